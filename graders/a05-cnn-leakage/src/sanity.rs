//! Exercises 6 and 7: the student's overlap check on planted copies, and the
//! student's shuffled-labels check on three pipelines whose verdicts are known.

use gradwork::outputs;
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// Indices, in increasing order, of the rows of `test` whose largest
/// entry-wise difference to some row of `train` is at most `tol`, and each
/// test row's smallest such difference (f64, any row shape).
fn oracle_near(train: &Tensor, test: &Tensor, tol: f64) -> (Vec<i64>, Vec<f64>) {
    let (n_train, n_test) = (train.size()[0], test.size()[0]);
    if n_train == 0 || n_test == 0 {
        return (Vec::new(), vec![f64::INFINITY; n_test as usize]);
    }
    let a = test.reshape([n_test, -1]).to_kind(Kind::Double);
    let b = train.reshape([n_train, -1]).to_kind(Kind::Double);
    let closest = (a.unsqueeze(1) - b.unsqueeze(0)).abs().amax(2, false).amin(1, false);
    let closest: Vec<f64> = Vec::try_from(&closest).unwrap_or_default();
    let near = closest.iter().enumerate().filter(|(_, d)| **d <= tol).map(|(i, _)| i as i64).collect();
    (near, closest)
}

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
    let (want, _) = oracle_near(&train_t, &test_t, tol);
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
        let outside: Vec<i64> = extra.iter().filter(|&&i| usize::try_from(i).map_or(true, |i| i >= n_test as usize)).copied().collect();
        if !outside.is_empty() {
            message.push_str(&format!(" It lists {outside:?}, which are not test rows: indices run from 0 to {}.", n_test - 1));
        }
        let one_off = extra.iter().filter(|&&i| usize::try_from(i).ok().and_then(|i| kinds.get(i)) == Some(&2)).count();
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

pub fn near_duplicates_shapes(ctx: &mut Ctx) -> Result<(), Failure> {
    // Rows of other shapes (flat vectors, 3-D and 4-D samples), other
    // tolerances, training sets that hold the same row several times, and
    // the smallest sets: one training row, one test row.
    let shapes: Vec<Vec<i64>> = vec![
        vec![ctx.rng().random_range(2..40)],
        vec![ctx.rng().random_range(2..5), ctx.rng().random_range(2..9)],
        vec![1, ctx.rng().random_range(5..12), ctx.rng().random_range(5..12)],
        vec![3, 4, 5],
    ];
    for (case, shape) in shapes.iter().enumerate() {
        let tol = [0.05, 0.1, 0.3, 0.5][ctx.rng().random_range(0..4usize)];
        let n_train = if case == 3 { 1 } else { ctx.rng().random_range(8..30) };
        let n_test = if case == 3 { 1 } else { ctx.rng().random_range(6..20) };
        let repeats = case == 1 || case == 2;
        near_case(ctx, shape, n_train, n_test, tol, repeats)?;
    }
    // No training rows at all: no test row has a near-copy.
    let n_test = ctx.rng().random_range(1..6i64);
    let values: Vec<f32> = (0..n_test * 16).map(|_| ctx.rng().random_range(0.0f32..1.0)).collect();
    let (train, test) = (Tensor::from_slice(&[] as &[f32]).view([0, 1, 4, 4]), Tensor::from_slice(&values).view([n_test, 1, 4, 4]));
    let got = outputs::ints(&ctx.call_one("near_duplicates", vec![Value::arg(&train), Value::arg(&test), 0.25.into()])?, "near_duplicates")?;
    if !got.is_empty() {
        return Err(Failure::wrong(format!(
            "`near_duplicates(train, test, 0.25)` with no training rows (train of shape [0, 1, 4, 4]) and {n_test} test rows returned \
             {got:?}: with nothing to copy from, no test row has a near-copy, so the answer is []."
        )));
    }
    Ok(())
}

// BEGIN HIDDEN
/// One case of `near_duplicates_shapes`: training rows uniform in [0, 1]
/// (with some rows repeated when `repeats`), test rows that are copies,
/// copies within tol, copies with one entry off by 2·tol, and rows off by
/// 2–3·tol in every entry. Cases whose nearest differences come within 1 %
/// of `tol` are redrawn, so that f32 rounding cannot change the answer.
fn near_case(ctx: &mut Ctx, shape: &[i64], n_train: i64, n_test: i64, tol: f64, repeats: bool) -> Result<(), Failure> {
    let row: usize = shape.iter().product::<i64>() as usize;
    let dims = |n: i64| [vec![n], shape.to_vec()].concat();
    let (train_t, test_t, want) = loop {
        let mut train: Vec<f32> = (0..n_train as usize * row).map(|_| ctx.rng().random_range(0.0f32..1.0)).collect();
        if repeats {
            // A few training rows twice or three times, as in a dataset with duplicates.
            for _ in 0..(n_train / 3).max(1) {
                let (from, to) = (ctx.rng().random_range(0..n_train as usize), ctx.rng().random_range(0..n_train as usize));
                let copy = train[from * row..(from + 1) * row].to_vec();
                train[to * row..(to + 1) * row].copy_from_slice(&copy);
            }
        }
        let mut test: Vec<f32> = Vec::new();
        for i in 0..n_test as usize {
            let source = ctx.rng().random_range(0..n_train as usize) * row;
            let mut r: Vec<f32> = train[source..source + row].to_vec();
            let t = tol as f32;
            match if n_test == 1 { 0 } else { i % 4 } {
                0 => {}
                1 => r.iter_mut().for_each(|v| *v += ctx.rng().random_range(-0.8 * t..0.8 * t)),
                2 => {
                    let j = ctx.rng().random_range(0..row);
                    r[j] += if ctx.rng().random::<bool>() { 2.0 * t } else { -2.0 * t };
                }
                _ => r.iter_mut().for_each(|v| *v += ctx.rng().random_range(2.0 * t..3.0 * t) * if ctx.rng().random::<bool>() { 1.0 } else { -1.0 }),
            }
            test.extend(r);
        }
        let (train_t, test_t) = (Tensor::from_slice(&train).view(dims(n_train).as_slice()), Tensor::from_slice(&test).view(dims(n_test).as_slice()));
        let (want, closest) = oracle_near(&train_t, &test_t, tol);
        if closest.iter().all(|d| (d - tol).abs() > 0.01 * tol) {
            break (train_t, test_t, want);
        }
    };
    let got = outputs::ints(&ctx.call_one("near_duplicates", vec![Value::arg(&train_t), Value::arg(&test_t), tol.into()])?, "near_duplicates")?;
    if got == want {
        return Ok(());
    }
    let what = format!(
        "`near_duplicates(train, test, {tol})` for {n_train} training and {n_test} test rows of shape {shape:?} \
         (each row is one sample: {row} numbers){}",
        if repeats { ", where some training rows appear more than once" } else { "" }
    );
    let mut problems = Vec::new();
    let repeated: Vec<i64> = got.iter().enumerate().filter(|(k, i)| got[..*k].contains(i)).map(|(_, i)| *i).collect();
    if !repeated.is_empty() {
        problems.push(format!(
            "it lists test rows {repeated:?} more than once: a test row with several near-copies in training counts once"
        ));
    }
    let missed: Vec<i64> = want.iter().filter(|i| !got.contains(i)).copied().collect();
    if !missed.is_empty() {
        problems.push(format!("it misses test rows {missed:?}, which have a training row with every entry within {tol}"));
    }
    let extra: Vec<i64> = got.iter().filter(|i| !want.contains(i)).copied().collect();
    if !extra.is_empty() {
        problems.push(format!("it lists test rows {extra:?}, which have no near-copy"));
    }
    if problems.is_empty() {
        problems.push("the indices must come in increasing order".into());
    }
    Err(Failure::wrong(format!(
        "{what} returned {got:?}, expected {want:?}: {}. Compare whole rows whatever their shape (flatten every \
         dimension after the first), with the tolerance you are given.",
        problems.join("; ")
    )))
}
// END HIDDEN

/// Points in 2-D around `k` centres on a circle of radius 6 (uniform ±1.5 in
/// each coordinate), `counts[c]` of class c, in random order.
fn clusters(ctx: &mut Ctx, counts: &[i64]) -> (Tensor, Tensor) {
    let k = counts.len();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (class, &count) in counts.iter().enumerate() {
        let angle = 2.0 * std::f64::consts::PI * class as f64 / k as f64;
        let centre = (6.0 * angle.cos(), 6.0 * angle.sin());
        for _ in 0..count {
            let (u, v): (f64, f64) = (ctx.rng().random_range(-1.5..1.5), ctx.rng().random_range(-1.5..1.5));
            x.extend([centre.0 + u, centre.1 + v]);
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

/// A labelled dataset for the student's check, and how to describe it.
struct Data {
    x_train: Tensor,
    y_train: Tensor,
    x_test: Tensor,
    y_test: Tensor,
    train_counts: Vec<i64>,
    test_counts: Vec<i64>,
}

impl Data {
    fn new(ctx: &mut Ctx, train_counts: Vec<i64>, test_counts: Vec<i64>) -> Data {
        let (x_train, y_train) = clusters(ctx, &train_counts);
        let (x_test, y_test) = clusters(ctx, &test_counts);
        Data { x_train, y_train, x_test, y_test, train_counts, test_counts }
    }

    fn describe(&self) -> String {
        let (n, m) = (self.train_counts.iter().sum::<i64>(), self.test_counts.iter().sum::<i64>());
        let shares = |counts: &[i64], total: i64| counts.iter().map(|c| format!("{}", (100 * c + total / 2) / total)).collect::<Vec<_>>().join("/");
        let per = |counts: &[i64]| counts.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("/");
        format!(
            "train: {n} points of {} classes with shares {} %; test: {m} points, {} per class",
            self.train_counts.len(),
            shares(&self.train_counts, n),
            per(&self.test_counts)
        )
    }
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
#[derive(Debug, Clone, PartialEq)]
struct Reported {
    shuffled: f64,
    control: f64,
    chance: f64,
    threshold: f64,
    leaky: bool,
    learns: bool,
}

impl Reported {
    fn describe(&self) -> String {
        format!(
            "{{ shuffled_accuracy: {}, control_accuracy: {}, chance: {}, threshold: {}, leaky: {}, learns: {} }}",
            num(self.shuffled),
            num(self.control),
            num(self.chance),
            num(self.threshold),
            self.leaky,
            self.learns
        )
    }
}

fn nearest_neighbour_accuracy(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor, y_test: &Tensor) -> f64 {
    let closest = Tensor::cdist(x_test, x_train, 2.0, 2i64).argmin(1, false);
    y_train.index_select(0, &closest).eq_tensor(y_test).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

/// Calls the student's check on the runner's pipeline `name`.
fn report(ctx: &mut Ctx, name: &str, d: &Data, seed: i64) -> Result<Reported, Failure> {
    let args = vec![name.into(), Value::arg(&d.x_train), Value::arg(&d.y_train), Value::arg(&d.x_test), Value::arg(&d.y_test), seed.into()];
    let out = ctx.call_one("shuffled_label_check", args)?;
    let fields = outputs::list_of_len(&out, "the SanityReport", 6)?;
    Ok(Reported {
        shuffled: outputs::float(&fields[0], "shuffled_accuracy")?,
        control: outputs::float(&fields[1], "control_accuracy")?,
        chance: outputs::float(&fields[2], "chance")?,
        threshold: outputs::float(&fields[3], "threshold")?,
        leaky: outputs::flag(&fields[4], "leaky")?,
        learns: outputs::flag(&fields[5], "learns")?,
    })
}

/// Runs the student's check on the three pipelines and judges every report;
/// returns the report on the clean pipeline.
fn judge_pipelines(ctx: &mut Ctx, d: &Data, seed: i64) -> Result<Reported, Failure> {
    let m = d.test_counts.iter().sum::<i64>() as f64;
    let most = d.test_counts.iter().copied().max().unwrap_or(0);
    let chance = most as f64 / m;
    let majority_class = d.test_counts.iter().position(|&c| c == most).unwrap_or(0);
    let threshold = chance + 3.0 * (chance * (1.0 - chance) / m).sqrt();
    let one_nn = nearest_neighbour_accuracy(&d.x_train, &d.y_train, &d.x_test, &d.y_test);
    // The majority pipeline predicts the most common *training* label (the first, on a tie).
    let train_most = d.train_counts.iter().copied().max().unwrap_or(0);
    let train_majority = d.train_counts.iter().position(|&c| c == train_most).unwrap_or(0);
    let majority_accuracy = d.test_counts[train_majority] as f64 / m;
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
            control: majority_accuracy,
            shuffled: Some(majority_accuracy),
        },
    ];
    let mut clean = None;
    for Case { name, what, leaky, learns, control, shuffled } in cases {
        let r = report(ctx, name, d, seed)?;
        let context = format!("For {what} ({}), your `shuffled_label_check` reported {}.", d.describe(), r.describe());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
        let problem = if !close(r.chance, chance) {
            format!(
                "`chance` should be {}: the share of the most common class among the test labels (class \
                 {majority_class}: {most} of {m}), which is what always guessing that class scores — not \
                 1/(number of classes), and not a share of the training labels.",
                num(chance)
            )
        } else if !close(r.threshold, threshold) {
            format!("`threshold` should be chance + 3·sqrt(chance·(1 − chance)/m) with m = {m} test labels = {}.", num(threshold))
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
            if name == "clean" {
                clean = Some(r);
            }
            continue;
        };
        return Err(Failure::wrong(format!("{context} {problem}")));
    }
    clean.ok_or_else(|| Failure::Grader("the clean pipeline was not judged".into()))
}

pub fn sanity_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let d = Data::new(ctx, vec![120, 72, 48], vec![60, 36, 24]);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    judge_pipelines(ctx, &d, seed).map(|_| ())
}

pub fn sanity_check_classes(ctx: &mut Ctx) -> Result<(), Failure> {
    // Two to four classes; the most common test class is never class 0, and
    // the training labels have other shares than the test labels, so a
    // chance taken from class 0 or from `y_train` shows.
    let seed = ctx.rng().random_range(0..1_000_000i64);
    for k in [2usize, ctx.rng().random_range(3..5)] {
        let mut test_counts: Vec<i64> = (0..k).map(|_| ctx.rng().random_range(10..50)).collect();
        let top = ctx.rng().random_range(1..k);
        test_counts[top] = test_counts.iter().copied().max().unwrap_or(0) + ctx.rng().random_range(8..25);
        let m = test_counts.iter().sum::<i64>() as f64;
        let test_chance = test_counts[top] as f64 / m;
        let train_counts = loop {
            let counts: Vec<i64> = (0..k).map(|_| ctx.rng().random_range(20..120)).collect();
            let share = *counts.iter().max().unwrap_or(&0) as f64 / counts.iter().sum::<i64>() as f64;
            if (share - test_chance).abs() > 0.05 {
                break counts;
            }
        };
        let d = Data::new(ctx, train_counts, test_counts);
        let first = judge_pipelines(ctx, &d, seed)?;
        let again = report(ctx, "clean", &d, seed)?;
        if again != first {
            return Err(Failure::wrong(format!(
                "Called twice with the same seed ({seed}) on a clean 1-nearest-neighbour pipeline ({}), your \
                 `shuffled_label_check` reported {} and then {}. The same seed must give the same report: call \
                 `tch::manual_seed(seed)` right before drawing the permutation of `y_train`.",
                d.describe(),
                first.describe(),
                again.describe()
            )));
        }
    }
    Ok(())
}
