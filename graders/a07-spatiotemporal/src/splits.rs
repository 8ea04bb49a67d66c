//! Exercises 3–4: windows, the leak check on splits with known verdicts, and
//! the temporal split, whose honesty the harness's own duplicate check
//! confirms on the frames themselves.

use gradwork::leakage::duplicates_across_splits;
use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use std::collections::BTreeSet;
use tch::Tensor;

/// The oracle windows: inputs (T − w, w, H, W) and targets (T − w, H, W).
pub fn windows(frames: &Tensor, w: i64) -> (Tensor, Tensor) {
    let t = frames.size()[0];
    let inputs: Vec<Tensor> = (0..t - w).map(|i| frames.narrow(0, i, w)).collect();
    (Tensor::stack(&inputs, 0), frames.narrow(0, w, t - w).contiguous())
}

pub fn windows_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let t = ctx.rng().random_range(5..10i64);
    let (h, w) = (ctx.rng().random_range(2..5i64), ctx.rng().random_range(5..8i64));
    let values: Vec<f32> = (0..t * h * w).map(|_| ctx.rng().random_range(-1.0..1.0f32)).collect();
    let frames = Tensor::from_slice(&values).view([t, h, w]);
    let middle = ctx.rng().random_range(2..t - 1);
    for size in [1, middle, t - 1] {
        let out = ctx.call("make_windows", vec![Value::arg(&frames), size.into()])?;
        let [inputs, targets] = out.as_slice() else {
            return Err(Failure::Grader("the runner sent a malformed pair of windows".into()));
        };
        let (want_inputs, want_targets) = windows(&frames, size);
        let what = format!("of `make_windows(frames, {size})` for {t} frames of {h} × {w}");
        ctx.compare(&format!("The inputs {what}"), &want_inputs, &outputs::tensor(inputs, "the inputs")?)?;
        ctx.compare(&format!("The targets {what}"), &want_targets, &outputs::tensor(targets, "the targets")?)?;
    }
    Ok(())
}

/// The oracle leak check: test windows sharing a frame with a training window.
pub fn leaks(train: &[i64], test: &[i64], w: i64) -> Vec<i64> {
    let seen: BTreeSet<i64> = train.iter().flat_map(|&i| i..=i + w).collect();
    let found: BTreeSet<i64> = test.iter().copied().filter(|&j| (j..=j + w).any(|f| seen.contains(&f))).collect();
    found.into_iter().collect()
}

/// The oracle temporal split.
pub fn temporal(n_frames: i64, w: i64, n_test: i64) -> (Vec<i64>, Vec<i64>) {
    let first_test = n_frames - w - n_test;
    ((0..(first_test - w).max(0)).collect(), (first_test..n_frames - w).collect())
}

fn shuffled(rng: &mut impl Rng, n: i64) -> Vec<i64> {
    let mut order: Vec<i64> = (0..n).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    order
}

pub fn leak_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let w = ctx.rng().random_range(2..5i64);
    let n_windows = ctx.rng().random_range(24..40i64);
    let n_test = n_windows / 4;
    let order = shuffled(ctx.rng(), n_windows);
    let mut random = (order[n_test as usize..].to_vec(), order[..n_test as usize].to_vec());
    random.0.sort_unstable();
    random.1.sort_unstable();
    let first_test = n_windows - n_test;
    let cases: Vec<(String, Vec<i64>, Vec<i64>)> = vec![
        ("a random split of the windows (it leaks almost everywhere)".into(), random.0, random.1),
        (format!("a temporal split without a gap (train 0..{first_test}, test {first_test}..{n_windows}): only the first {w} test windows leak"), (0..first_test).collect(), (first_test..n_windows).collect()),
        (format!("a temporal split with a gap of {w} windows: nothing leaks"), (0..first_test - w).collect(), (first_test..n_windows).collect()),
        (format!("a gap of {} windows: only the training window's target is the first test window's first input", w - 1), (0..first_test - w + 1).collect(), (first_test..n_windows).collect()),
        (format!("test windows before the training windows (test 0..{n_test}, train from {})", n_test), (n_test..n_windows).collect(), (0..n_test).collect()),
        ("no training windows".into(), vec![], (0..n_test).collect()),
    ];
    for (what, train, test) in cases {
        let got = outputs::ints(&ctx.call_one("leaking_windows", vec![train.clone().into(), test.clone().into(), w.into()])?, "the leaking windows")?;
        let want = leaks(&train, &test, w);
        if got != want {
            return Err(Failure::wrong(format!(
                "`leaking_windows` with windows of {w} input frames, for {what}, returned {}; expected {}. Window i uses frames \
                 i, …, i + {w} (its {w} inputs and its target); a test window leaks when one of its frames is used by any \
                 training window. Return each leaking test window once, in increasing order.",
                list(&got),
                list(&want)
            )));
        }
    }
    Ok(())
}

fn list(v: &[i64]) -> String {
    if v.len() <= 12 {
        format!("{v:?}")
    } else {
        format!("{} windows {:?} … {:?}", v.len(), &v[..5], &v[v.len() - 3..])
    }
}

pub fn temporal_split(ctx: &mut Ctx) -> Result<(), Failure> {
    let frames = crate::store::shipped_frames();
    let t = frames.size()[0];
    let cases = [(t, ctx.rng().random_range(1..6i64), ctx.rng().random_range(10..30i64)), (t, 1, 1), (12, 4, 3), (9, 3, 5)];
    for (n_frames, w, n_test) in cases {
        let out = ctx.call("temporal_split", vec![n_frames.into(), w.into(), n_test.into()])?;
        let [train, test] = out.as_slice() else {
            return Err(Failure::Grader("the runner sent a malformed split".into()));
        };
        let (train, test) = (outputs::ints(train, "train")?, outputs::ints(test, "test")?);
        let (want_train, want_test) = temporal(n_frames, w, n_test);
        let call = format!("`temporal_split({n_frames}, {w}, {n_test})`");
        let leaking = leaks(&train, &test, w);
        if !leaking.is_empty() {
            // The harness's duplicate check, on the frames each side uses, names the shared ones.
            let used = |windows: &[i64]| -> Vec<i64> { windows.iter().flat_map(|&i| i..=i + w).collect::<BTreeSet<_>>().into_iter().collect() };
            let proof = if n_frames == t {
                match duplicates_across_splits(&frames, &[("train", used(&train)), ("test", used(&test))], None) {
                    Err(Failure::Wrong(m)) => format!("\n\nThe harness's duplicate check on the frames both sides use:\n\n{m}"),
                    _ => String::new(),
                }
            } else {
                String::new()
            };
            return Err(Failure::wrong(format!(
                "{call} leaks: the test windows {} share frames with training windows (window i uses frames i, …, i + {w}). \
                 Test on the last {n_test} windows, and train only on the windows before them that share no frame with them: \
                 drop the {w} windows just before the test block.{proof}",
                list(&leaking)
            )));
        }
        if test != want_test {
            return Err(Failure::wrong(format!(
                "{call} returned the test windows {}; expected the last {n_test} of the {} windows: {}.",
                list(&test),
                n_frames - w,
                list(&want_test)
            )));
        }
        if train != want_train {
            return Err(Failure::wrong(format!(
                "{call} returned the training windows {}; expected {}: every window before the test block that shares no \
                 frame with it, in increasing order (windows 0 to {}).",
                list(&train),
                list(&want_train),
                want_train.last().copied().unwrap_or(-1)
            )));
        }
    }
    Ok(())
}
