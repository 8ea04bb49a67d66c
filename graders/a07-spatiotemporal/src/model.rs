//! Exercise 5: the persistence baseline, NextFrameCnn's forward pass on the
//! grader's weights, and trained models judged on held-out future frames of
//! a fresh simulation, with their curves and a loss-landscape slice attached.

use crate::sim::{self, Params};
use crate::splits;
use gradwork::compare::{num, CompareOptions, Tolerance};
use gradwork::outputs;
use gradwork::plot::{self, LinePlot, Series};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use std::fmt::Write as _;
use tch::{Kind, Reduction, Tensor};

/// Shapes of the six parameters of a NextFrameCnn for windows of `w` frames and `width` channels.
pub fn shapes(w: i64, width: i64) -> [Vec<i64>; 6] {
    [vec![width, w, 3, 3], vec![width], vec![width, width, 3, 3], vec![width], vec![1, width, 3, 3], vec![1]]
}

/// Random f32 weights, PyTorch's default U(−1/√fan_in, 1/√fan_in) for every layer.
pub fn random_weights(rng: &mut impl Rng, w: i64, width: i64) -> Vec<Tensor> {
    let fan_in = [w * 9, w * 9, width * 9, width * 9, width * 9, width * 9];
    shapes(w, width)
        .iter()
        .zip(fan_in)
        .map(|(shape, fan)| {
            let bound = 1.0 / (fan as f64).sqrt();
            let n: i64 = shape.iter().product();
            let values: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound) as f32).collect();
            Tensor::from_slice(&values).view(shape.as_slice())
        })
        .collect()
}

/// The oracle forward pass: three 3×3 convolutions (padding 1), ReLU between, plus the window's last frame.
pub fn forward(weights: &[Tensor], windows: &Tensor) -> Tensor {
    let conv = |x: &Tensor, i: usize| x.conv2d(&weights[i], Some(&weights[i + 1]), [1, 1], [1, 1], [1, 1], 1);
    let w = windows.size()[1];
    conv(&conv(&conv(windows, 0).relu(), 2).relu(), 4).squeeze_dim(1) + windows.select(1, w - 1)
}

pub fn tensor_list(tensors: &[Tensor]) -> Value {
    Value::List(tensors.iter().map(Value::arg).collect())
}

pub fn tensors(v: &Value, what: &str) -> Result<Vec<Tensor>, Failure> {
    match v {
        Value::List(items) => items.iter().map(|t| outputs::tensor(t, what)).collect(),
        other => Err(Failure::Grader(format!("the runner sent {} for {what}", other.type_name()))),
    }
}

pub fn forward_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let w = ctx.rng().random_range(1..5i64);
    // Never as many windows as frames per window, so that the two dimensions cannot be mistaken for each other.
    let n = loop {
        let n = ctx.rng().random_range(1..6i64);
        if n != w {
            break n;
        }
    };
    let width = ctx.rng().random_range(2..6i64);
    let (h, wd) = (ctx.rng().random_range(4..8i64), ctx.rng().random_range(8..12i64));
    let values: Vec<f32> = (0..n * w * h * wd).map(|_| ctx.rng().random_range(-1.0..1.0f32)).collect();
    let windows = Tensor::from_slice(&values).view([n, w, h, wd]);
    let got = ctx.call_tensor("persistence", vec![Value::arg(&windows)])?;
    ctx.compare(&format!("`persistence` of {n} windows of {w} frames of {h} × {wd}"), &windows.select(1, w - 1), &got)?;
    let weights = random_weights(ctx.rng(), w, width);
    let got = ctx.call_tensor("forward", vec![tensor_list(&weights), Value::arg(&windows)])?;
    let what = format!("`NextFrameCnn::forward` (w = {w}, width = {width}) on {n} windows of {h} × {wd}, with the grader's weights");
    ctx.compare(&what, &forward(&weights, &windows), &got)
}

/// The training task: a fresh, small simulation whose dynamics keep going.
pub fn task_params(seed: u64) -> Params {
    Params { frames: 60, height: 24, width: 24, agents: 600, steps_per_frame: 8, warmup: 120, seed }
}

/// Frames of a fresh simulation, standardised to mean 0 and standard deviation 1.
pub fn task_frames(seed: u64) -> Tensor {
    let p = task_params(seed);
    let frames = Tensor::from_slice(&sim::simulate(&p)).view([p.frames as i64, p.height as i64, p.width as i64]);
    (&frames - frames.mean(Kind::Float)) / frames.std(true)
}

/// How the checks train.
pub const WIDTH: i64 = 8;
/// Epochs of every training run.
pub const EPOCHS: i64 = 40;
/// Mini-batch size.
pub const BATCH: i64 = 8;
/// Adam's learning rate.
pub const LR: f64 = 5e-3;
/// Test windows at the end of the 60 frames.
pub const N_TEST: i64 = 15;

/// With lr = 0 Adam moves nothing, so the network stays what it was built
/// as: the persistence baseline (conv3 starts at zero). Every epoch's
/// recorded loss must then be the persistence MSE over all training windows,
/// whatever the order of the batches, and however unequal their sizes.
pub fn loss_record(ctx: &mut Ctx) -> Result<(), Failure> {
    let w = ctx.rng().random_range(1..4i64);
    let (t, h, wd) = (ctx.rng().random_range(9..16i64), ctx.rng().random_range(4..8i64), ctx.rng().random_range(4..8i64));
    let n = t - w;
    // A batch size that leaves a smaller last batch.
    let batch = loop {
        let b = ctx.rng().random_range(2..6i64);
        if n % b != 0 {
            break b;
        }
    };
    let (width, epochs, seed) = (ctx.rng().random_range(2..5i64), ctx.rng().random_range(2..5i64), ctx.rng().random_range(0..1_000_000i64));
    let values: Vec<f32> = (0..t * h * wd).map(|_| ctx.rng().random_range(-1.0..1.0f32)).collect();
    let frames = Tensor::from_slice(&values).view([t, h, wd]);
    let (inputs, targets) = splits::windows(&frames, w);
    let args = vec![Value::arg(&inputs), Value::arg(&targets), width.into(), epochs.into(), batch.into(), 0.0f64.into(), seed.into(), Value::arg(&inputs)];
    let call = format!(
        "`train_next_frame` with lr = 0 ({n} windows of {w} frames of {h} × {wd}, width {width}, {epochs} epochs, batches of {batch}, seed {seed})"
    );
    let out = ctx.call("train_next_frame", args)?;
    let [losses, _, predictions] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed training result".into()));
    };
    let losses = outputs::floats(losses, "the losses")?;
    let predictions = outputs::tensor(predictions, "the predictions")?;
    if losses.len() != epochs as usize {
        return Err(Failure::wrong(format!("{call} returned {} training losses; expected {epochs}, one per epoch.", losses.len())));
    }
    let baseline = persistence_of(&inputs);
    if predictions.size() != baseline.size() || mse(&predictions, &baseline) > 1e-10 {
        return Err(Failure::wrong(format!(
            "{call}: with lr = 0 the network does not move, and a fresh NextFrameCnn is the persistence baseline (its conv3 \
             starts at zero), but the returned model does not predict the windows' last frames. Make `NextFrameCnn::forward` \
             right first (the check `cnn-forward`), and train the model `NextFrameCnn::new` builds."
        )));
    }
    let want = mse(&baseline, &targets);
    let options = CompareOptions { tolerance: Some(Tolerance { rtol: 1e-4, atol: 1e-9 }), ..CompareOptions::default() };
    ctx.compare_with(
        &format!("The epoch losses of {call}, each the persistence MSE over all {n} windows ({}) since nothing moves,", num(want)),
        &Tensor::from_slice(&vec![want; epochs as usize]),
        &Tensor::from_slice(&losses),
        &options,
    )
}

/// A trained run: its curve and its test MSE against persistence.
pub struct Run {
    pub w: i64,
    pub losses: Vec<f64>,
    pub weights: Vec<Tensor>,
    pub mse: f64,
    pub persistence: f64,
    pub train_inputs: Tensor,
    pub train_targets: Tensor,
}

fn mse(a: &Tensor, b: &Tensor) -> f64 {
    a.to_kind(Kind::Double).mse_loss(&b.to_kind(Kind::Double), Reduction::Mean).double_value(&[])
}

/// Trains the student's model on the training windows of a temporal split
/// of `frames` and measures it on the test windows.
pub fn train_run(ctx: &mut Ctx, frames: &Tensor, w: i64, what: &str) -> Result<Run, Failure> {
    let (inputs, targets) = splits::windows(frames, w);
    let (train, test) = splits::temporal(frames.size()[0], w, N_TEST);
    let pick = |idx: &[i64], t: &Tensor| t.index_select(0, &Tensor::from_slice(idx));
    let (x_train, y_train, x_test, y_test) = (pick(&train, &inputs), pick(&train, &targets), pick(&test, &inputs), pick(&test, &targets));
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let args = vec![Value::arg(&x_train), Value::arg(&y_train), WIDTH.into(), EPOCHS.into(), BATCH.into(), LR.into(), seed.into(), Value::arg(&x_test)];
    let frames_word = if w == 1 { "frame" } else { "frames" };
    let call = format!("`train_next_frame` (windows of {w} {frames_word}, width {WIDTH}, {EPOCHS} epochs, batches of {BATCH}, lr {LR}, seed {seed}) on {what}");
    let out = ctx.call("train_next_frame", args)?;
    let [losses, weights, predictions] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed training result".into()));
    };
    let losses = outputs::floats(losses, "the losses")?;
    let weights = tensors(weights, "the trained weights")?;
    let predictions = outputs::tensor(predictions, "the predictions")?;
    if losses.len() != EPOCHS as usize || losses.iter().any(|l| !l.is_finite()) {
        return Err(Failure::wrong(format!(
            "{call} returned {} training losses{}; expected {EPOCHS}, one finite mean per epoch.",
            losses.len(),
            if losses.iter().any(|l| !l.is_finite()) { ", some not finite" } else { "" }
        )));
    }
    let expected_shapes = shapes(w, WIDTH);
    if weights.len() != 6 || weights.iter().zip(&expected_shapes).any(|(t, s)| t.size() != *s) {
        return Err(Failure::wrong(format!("{call}: the trained model's parameters do not have the shapes of a NextFrameCnn with w = {w} and width {WIDTH}.")));
    }
    let oracle = tch::no_grad(|| forward(&weights, &x_test));
    if predictions.size() != y_test.size() || mse(&oracle, &predictions) > 1e-8 {
        return Err(Failure::wrong(format!(
            "{call}: the returned model's predictions on the test windows (shape {:?}) are not what a NextFrameCnn gives with \
             the weights it returned (expected shape {:?}). Make `NextFrameCnn::forward` right first (the check `cnn-forward`), \
             and return the model you trained, in `Trained {{ model, .. }}`.",
            predictions.size(),
            y_test.size()
        )));
    }
    Ok(Run { w, losses, weights, mse: mse(&predictions, &y_test), persistence: mse(&persistence_of(&x_test), &y_test), train_inputs: x_train, train_targets: y_train })
}

fn persistence_of(windows: &Tensor) -> Tensor {
    windows.select(1, windows.size()[1] - 1)
}

/// The oracle's loss along a filter-normalised random direction (for the plot).
pub fn slice(weights: &[Tensor], inputs: &Tensor, targets: &Tensor, direction: &[Tensor], alphas: &[f64]) -> Vec<f64> {
    tch::no_grad(|| {
        alphas
            .iter()
            .map(|&a| {
                let moved: Vec<Tensor> = weights.iter().zip(direction).map(|(w, d)| w + d * a).collect();
                mse(&forward(&moved, inputs), targets)
            })
            .collect()
    })
}

/// A filter-normalised direction: N(0, 1) per parameter, each filter scaled
/// to the weight's filter norm, zero for biases.
pub fn direction(weights: &[Tensor], rng: &mut impl Rng) -> Vec<Tensor> {
    weights
        .iter()
        .map(|w| {
            if w.dim() < 2 {
                return w.zeros_like();
            }
            let n = w.numel();
            let values: Vec<f32> = (0..n / 2 + 1)
                .flat_map(|_| {
                    let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
                    let r = (-2.0 * u.ln()).sqrt();
                    let t = std::f64::consts::TAU * v;
                    [(r * t.cos()) as f32, (r * t.sin()) as f32]
                })
                .take(n)
                .collect();
            let d = Tensor::from_slice(&values).view(w.size().as_slice());
            let norms = |t: &Tensor| t.flatten(1, -1).norm_scalaropt_dim(2, [1i64].as_slice(), false);
            let shape: Vec<i64> = std::iter::once(-1).chain(std::iter::repeat_n(1, w.dim() - 1)).collect();
            &d * (norms(w) / norms(&d)).view(shape.as_slice())
        })
        .collect()
}

/// Curves of every run, and a landscape slice of the first, as plots and CSV.
fn attach(ctx: &mut Ctx, name: &str, runs: &[Run]) {
    let series = runs.iter().map(|r| Series::from_values(&format!("training loss, windows of {}", r.w), &r.losses)).collect();
    let curves = LinePlot { title: "Training loss per epoch".into(), x_label: "epoch".into(), y_label: "MSE".into(), series };
    plot::attach(ctx, &format!("{name}-loss"), "Your model's training loss per epoch", &curves);
    let mut csv = String::from("epoch");
    for r in runs {
        let _ = write!(csv, ",train_mse_w{}", r.w);
    }
    csv.push('\n');
    for e in 0..EPOCHS as usize {
        let cells: Vec<String> = runs.iter().map(|r| r.losses[e].to_string()).collect();
        let _ = writeln!(csv, "{},{}", e + 1, cells.join(","));
    }
    for r in runs {
        let _ = writeln!(csv, "# windows of {}: test MSE {}, persistence {}", r.w, r.mse, r.persistence);
    }
    ctx.attach(&format!("{name}-curves.csv"), "Training loss per epoch, and the test MSE next to persistence", csv.into_bytes());
    let alphas: Vec<f64> = (0..=20).map(|i| (i as f64 - 10.0) / 10.0).collect();
    let mut series = Vec::new();
    for r in runs {
        let d = direction(&r.weights, ctx.rng());
        let losses = slice(&r.weights, &r.train_inputs, &r.train_targets, &d, &alphas);
        series.push(Series { label: format!("windows of {}", r.w), points: alphas.iter().copied().zip(losses).collect(), reference: false });
    }
    let landscape = LinePlot { title: "Training loss along a random filter-normalised direction".into(), x_label: "alpha".into(), y_label: "MSE".into(), series };
    plot::attach(ctx, &format!("{name}-landscape"), "A 1-D slice of the loss landscape around your trained weights (θ + α·d)", &landscape);
}

/// The reference's worst ratio is far below this (see rubric.toml).
pub const MAX_RATIO: f64 = 0.85;

fn judge(ctx: &Ctx, run: &Run, what: &str) -> Result<(), Failure> {
    let ratio = run.mse / run.persistence;
    ctx.note_tolerance_used(ratio / MAX_RATIO);
    if ratio <= MAX_RATIO {
        return Ok(());
    }
    Err(Failure::wrong(format!(
        "Trained on {what} with windows of {} frames, your model's mean squared error on the {N_TEST} held-out future windows \
         is {}, and the persistence baseline's is {}: a ratio of {}, where at most {MAX_RATIO} is needed. Its training loss \
         went from {} to {}. Check that every epoch visits every training window in shuffled mini-batches, that each \
         batch takes one Adam step on the mean squared error, and that the returned model is the trained one.",
        run.w,
        num(run.mse),
        num(run.persistence),
        num(ratio),
        num(run.losses[0]),
        num(run.losses[run.losses.len() - 1])
    )))
}

pub fn training(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000u64);
    let frames = task_frames(seed);
    let what = format!("a fresh simulation (seed {seed}: 60 frames of 24 × 24, standardised)");
    let run = train_run(ctx, &frames, 3, &what)?;
    let result = judge(ctx, &run, &what);
    attach(ctx, "next-frame", std::slice::from_ref(&run));
    result
}

pub fn variants(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000u64);
    let frames = task_frames(seed);
    let what = format!("a fresh simulation (seed {seed}: 60 frames of 24 × 24, standardised)");
    let runs = vec![train_run(ctx, &frames, 1, &what)?, train_run(ctx, &frames, 3, &what)?];
    attach(ctx, "variants", &runs);
    judge(ctx, &runs[1], &what)?;
    // One frame cannot tell which way the trail is moving; three can.
    if !(runs[1].mse < runs[0].mse) {
        return Err(Failure::wrong(format!(
            "Trained on {what}, your model with windows of 3 frames has a test MSE of {}, no better than with windows of 1 frame \
             ({}). Three frames show which way the trail moves, one cannot: does `train_next_frame` build its network for the \
             window size of its inputs (`inputs.size()[1]`)?",
            num(runs[1].mse),
            num(runs[0].mse)
        )));
    }
    Ok(())
}
