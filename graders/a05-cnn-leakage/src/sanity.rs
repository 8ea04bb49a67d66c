//! Exercises 6 and 7: the student's overlap check on planted copies, and the
//! student's shuffled-labels check on three pipelines whose verdicts are known.

use gradwork::outputs;
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

pub fn near_duplicates(ctx: &mut Ctx) -> Result<(), Failure> {
    let tol = 0.1;
    let (n_train, shape) = (40i64, [1i64, 16, 16]);
    let row = 256;
    let uniform = |ctx: &mut Ctx, n: i64| -> Vec<f32> { (0..n * row).map(|_| ctx.rng().random_range(0.0f32..1.0)).collect() };
    let train = uniform(ctx, n_train);
    // Test rows: exact copies, copies within tol, copies with one entry off by
    // 2·tol (not near-copies), and fresh rows.
    let mut test: Vec<f32> = Vec::new();
    let mut kinds = Vec::new();
    for i in 0..32usize {
        let source = ctx.rng().random_range(0..n_train as usize) * row as usize;
        let mut r: Vec<f32> = train[source..source + row as usize].to_vec();
        let kind = i % 4;
        match kind {
            0 => {}
            1 => r.iter_mut().for_each(|v| *v += ctx.rng().random_range(-0.8 * tol as f32..0.8 * tol as f32)),
            2 => {
                let j = ctx.rng().random_range(0..row as usize);
                r[j] += if r[j] > 0.5 { -2.0 * tol as f32 } else { 2.0 * tol as f32 };
            }
            _ => r = uniform(ctx, 1),
        }
        kinds.push(kind);
        test.extend(r);
    }
    let n_test = kinds.len() as i64;
    let dims = |n: i64| [n, shape[0], shape[1], shape[2]];
    let (train_t, test_t) = (Tensor::from_slice(&train).view(dims(n_train)), Tensor::from_slice(&test).view(dims(n_test)));
    let got = outputs::ints(&ctx.call_one("near_duplicates", vec![Value::arg(&train_t), Value::arg(&test_t), tol.into()])?, "near_duplicates")?;
    // The oracle: the largest entry-wise difference to the closest training row.
    let a = test_t.reshape([n_test, -1]).to_kind(Kind::Double);
    let b = train_t.reshape([n_train, -1]).to_kind(Kind::Double);
    let closest = (a.unsqueeze(1) - b.unsqueeze(0)).abs().amax(2, false).amin(1, false);
    let want: Vec<i64> = Vec::<f64>::try_from(&closest).unwrap_or_default().iter().enumerate().filter(|(_, d)| **d <= tol).map(|(i, _)| i as i64).collect();
    if got == want {
        return Ok(());
    }
    let missed: Vec<i64> = want.iter().filter(|i| !got.contains(i)).copied().collect();
    let extra: Vec<i64> = got.iter().filter(|i| !want.contains(i)).copied().collect();
    let mut message = format!(
        "`near_duplicates(train, test, {tol})` for {n_train} training and {n_test} test images of shape [1, 16, 16] \
         returned {} indices, expected {} (in increasing order).",
        got.len(),
        want.len()
    );
    if !missed.is_empty() {
        let copies = missed.iter().filter(|&&i| kinds[i as usize] == 1).count();
        message.push_str(&format!(" It misses test rows {missed:?}"));
        if copies > 0 {
            message.push_str(&format!(
                ", {copies} of them copies with every entry within {tol} of a training row but not exactly equal: \
                 compare with a tolerance, not with `==`"
            ));
        }
        message.push('.');
    }
    if !extra.is_empty() {
        let one_off = extra.iter().filter(|&&i| kinds[i as usize] == 2).count();
        message.push_str(&format!(" It lists test rows {extra:?}, which have no near-copy"));
        if one_off > 0 {
            message.push_str(&format!(
                " ({one_off} of them differ from a training row by {} in a single entry: a near-copy needs \
                 *every* entry within the tolerance, so take the largest difference, not the average)",
                num(2.0 * tol)
            ));
        }
        message.push('.');
    }
    if missed.is_empty() && extra.is_empty() {
        message.push_str(&format!(" It returned {got:?}; expected {want:?}: sorted, each index once."));
    }
    Err(Failure::wrong(message))
}

/// Three Gaussian clusters in 2-D with class shares 0.5 / 0.3 / 0.2.
fn clusters(ctx: &mut Ctx, counts: [i64; 3]) -> (Tensor, Tensor) {
    let centres = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)];
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (class, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            let (u, v): (f64, f64) = (ctx.rng().random_range(-1.5..1.5), ctx.rng().random_range(-1.5..1.5));
            x.extend([centres[class].0 + u, centres[class].1 + v]);
            y.push(class as i64);
        }
    }
    // Interleave the classes, so no pipeline can rely on the order.
    let n = y.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, ctx.rng().random_range(0..=i));
    }
    let xs: Vec<f64> = order.iter().flat_map(|&i| [x[2 * i], x[2 * i + 1]]).collect();
    let ys: Vec<i64> = order.iter().map(|&i| y[i]).collect();
    (Tensor::from_slice(&xs).view([n as i64, 2]), Tensor::from_slice(&ys))
}

/// A pipeline of the runner with what a correct check reports about it.
struct Case {
    /// The runner's name for it.
    name: &'static str,
    /// What it is, for messages.
    what: &'static str,
    leaky: bool,
    learns: bool,
    /// The exact control accuracy.
    control: f64,
    /// The exact shuffled accuracy, where it does not depend on the shuffle.
    shuffled: Option<f64>,
}

/// What the student's check reported.
struct Reported {
    shuffled: f64,
    control: f64,
    chance: f64,
    threshold: f64,
    leaky: bool,
    learns: bool,
}

fn nearest_neighbour_accuracy(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor, y_test: &Tensor) -> f64 {
    let closest = Tensor::cdist(x_test, x_train, 2.0, 2i64).argmin(1, false);
    y_train.index_select(0, &closest).eq_tensor(y_test).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

pub fn sanity_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let (x_train, y_train) = clusters(ctx, [120, 72, 48]);
    let (x_test, y_test) = clusters(ctx, [60, 36, 24]);
    let m = 120.0;
    let chance: f64 = 0.5;
    let threshold = chance + 3.0 * (chance * (1.0 - chance) / m).sqrt();
    let one_nn = nearest_neighbour_accuracy(&x_train, &y_train, &x_test, &y_test);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let cases = [
        Case { name: "clean", what: "a clean 1-nearest-neighbour pipeline", leaky: false, learns: true, control: one_nn, shuffled: None },
        Case {
            name: "leaky",
            what: "a 1-nearest-neighbour pipeline that also memorised the test points with their labels",
            leaky: true,
            learns: true,
            control: 1.0,
            shuffled: Some(1.0),
        },
        Case {
            name: "majority",
            what: "a pipeline that always predicts the most common training label",
            leaky: false,
            learns: false,
            control: 0.5,
            shuffled: Some(0.5),
        },
    ];
    for Case { name, what, leaky, learns, control, shuffled } in cases {
        let args = vec![name.into(), Value::arg(&x_train), Value::arg(&y_train), Value::arg(&x_test), Value::arg(&y_test), seed.into()];
        let out = ctx.call_one("shuffled_label_check", args)?;
        let fields = outputs::list_of_len(&out, "the SanityReport", 6)?;
        let r = Reported {
            shuffled: outputs::float(&fields[0], "shuffled_accuracy")?,
            control: outputs::float(&fields[1], "control_accuracy")?,
            chance: outputs::float(&fields[2], "chance")?,
            threshold: outputs::float(&fields[3], "threshold")?,
            leaky: outputs::flag(&fields[4], "leaky")?,
            learns: outputs::flag(&fields[5], "learns")?,
        };
        let context = format!(
            "For {what} (train: 240 points of 3 classes with shares 50/30/20 %; test: 120 points, 60/36/24 per class), \
             your `shuffled_label_check` reported {{ shuffled_accuracy: {}, control_accuracy: {}, chance: {}, \
             threshold: {}, leaky: {}, learns: {} }}.",
            num(r.shuffled),
            num(r.control),
            num(r.chance),
            num(r.threshold),
            r.leaky,
            r.learns
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
        let problem = if !close(r.chance, chance) {
            format!(
                "`chance` should be {}: the share of the most common class among the test labels (60 of 120), \
                 which is what always guessing that class scores — not 1/(number of classes).",
                num(chance)
            )
        } else if !close(r.threshold, threshold) {
            format!("`threshold` should be chance + 3·sqrt(chance·(1 − chance)/m) with m = 120 test labels = {}.", num(threshold))
        } else if !close(r.control, control) {
            format!(
                "`control_accuracy` should be {}: the accuracy against `y_test` of the pipeline trained on the \
                 true, unshuffled `y_train`.",
                num(control)
            )
        } else if shuffled.is_some_and(|s| !close(r.shuffled, s)) {
            format!(
                "`shuffled_accuracy` should be {} here: train the pipeline on the shuffled `y_train` and score \
                 its predictions against the true `y_test`.",
                num(shuffled.unwrap_or_default())
            )
        } else if r.leaky != leaky {
            if leaky {
                "This pipeline leaks, so `leaky` should be true: its accuracy with shuffled labels is above the \
                 threshold. Compare `shuffled_accuracy` with `threshold`."
                    .to_string()
            } else {
                "This pipeline does not leak, so `leaky` should be false. `leaky` is `shuffled_accuracy > \
                 threshold`: did you train on the shuffled labels (a permutation of `y_train`), and score against \
                 the true `y_test`?"
                    .to_string()
            }
        } else if r.learns != learns {
            "`learns` is `control_accuracy > threshold`.".to_string()
        } else {
            continue;
        };
        return Err(Failure::wrong(format!("{context} {problem}")));
    }
    Ok(())
}
