//! Exercise 8: whole training runs on the shipped digits. The grader checks
//! the test accuracy, the shape of the history, the saved model (loaded and
//! evaluated by the grader) and the TensorBoard event files (parsed and
//! compared with the history).

use crate::{curves, digits, mlp, numbers, tfevents};
use gradwork::outputs;
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// Epochs of the hidden Adam run that must reach [`THRESHOLD`].
pub const EPOCHS: i64 = 10;
/// Epochs of the visible SGD run that must reach [`THRESHOLD`]: fewer, so
/// that a student's `cargo test` stays quick. The reference, over seeds 0–11
/// (batch 128, lr 0.1): 0.909–0.936 after 4 epochs, 0.939–0.963 after 10.
pub const SGD_EPOCHS: i64 = 4;
/// Epochs of the runs whose files are checked (shorter: only consistency matters).
pub const SHORT_EPOCHS: i64 = 2;
/// Training images of those runs: a part of the shipped digits drawn from the seed.
pub const SHORT_IMAGES: std::ops::Range<usize> = 300..700;
/// Mini-batch size of the graded runs (the notebook's).
pub const BATCH: i64 = 128;
/// Test accuracy a graded run must reach. The reference, over seeds 0–11
/// (batch 128): SGD lr 0.1 0.909–0.936 after 4 epochs, Adam lr 1e-3
/// 0.960–0.980 after 10.
pub const THRESHOLD: f64 = 0.85;

/// The outputs of a training run.
pub struct Run {
    /// The configuration, as the student's code saw it.
    pub what: String,
    /// `history.step_loss`.
    pub step_loss: Vec<f64>,
    /// `history.train_loss`.
    pub train_loss: Vec<f64>,
    /// `history.val_loss`.
    pub val_loss: Vec<f64>,
    /// `history.val_accuracy`.
    pub val_accuracy: Vec<f64>,
    /// The reported test loss.
    pub test_loss: f64,
    /// The reported test accuracy.
    pub test_accuracy: f64,
    /// Bytes of the saved model file, if one was written.
    pub model: Option<Vec<u8>>,
    /// (name, bytes) of every file in the log directory.
    pub events: Vec<(String, Vec<u8>)>,
}

fn bytes_of(v: &Value, what: &str) -> Result<Vec<u8>, Failure> {
    let t = outputs::tensor(v, what)?;
    Vec::<u8>::try_from(&t).map_err(|e| Failure::Grader(format!("{what} are not bytes: {e}")))
}

/// The `config.seed` of a check's training run.
fn seed_of(ctx: &Ctx) -> i64 {
    (ctx.seed() % 1_000_000) as i64
}

/// Calls the student's `train` on the shipped digits.
pub fn run(ctx: &mut Ctx, optimizer: &str, lr: f64, epochs: i64) -> Result<Run, Failure> {
    let d = digits::load().map_err(Failure::Grader)?;
    run_on(ctx, &d.train_images, &d.train_labels, optimizer, lr, epochs, BATCH, "the shipped digits")
}

/// `count` of the shipped training images, drawn from the check's seed
/// (with their labels), for shorter runs.
pub fn subset(ctx: &mut Ctx, count: usize) -> Result<(Tensor, Tensor), Failure> {
    let d = digits::load().map_err(Failure::Grader)?;
    let mut order: Vec<i64> = (0..d.train_images.size()[0]).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, ctx.rng().random_range(0..=i));
    }
    let picked = Tensor::from_slice(&order[..count.min(order.len())]);
    Ok((d.train_images.index_select(0, &picked), d.train_labels.index_select(0, &picked)))
}

/// Calls the student's `train` on these training images and the shipped test images.
#[allow(clippy::too_many_arguments)]
pub fn run_on(ctx: &mut Ctx, train_images: &Tensor, train_labels: &Tensor, optimizer: &str, lr: f64, epochs: i64, batch: i64, data: &str) -> Result<Run, Failure> {
    let d = digits::load().map_err(Failure::Grader)?;
    let seed = seed_of(ctx);
    let what = format!(
        "`train` on {data} ({epochs} epochs, batch size {batch}, {} with lr {}, seed {seed})",
        if optimizer == "sgd" { "SGD" } else { "Adam" },
        num(lr)
    );
    let args = vec![
        Value::arg(train_images),
        Value::arg(train_labels),
        Value::arg(&d.test_images),
        Value::arg(&d.test_labels),
        epochs.into(),
        batch.into(),
        lr.into(),
        optimizer.into(),
        seed.into(),
    ];
    let out = ctx.call("train", args)?;
    if outputs::text(out.first().unwrap_or(&Value::Unit), "the result tag")? == "error" {
        let message = outputs::text(out.get(1).unwrap_or(&Value::Unit), "the error")?;
        return Err(Failure::wrong(format!("{what} returned an error: {message}")));
    }
    let [_, step, train, val, acc, test_loss, test_accuracy, model, events] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for train".into()));
    };
    let model = match model {
        Value::Unit => None,
        v => Some(bytes_of(v, "the saved model's bytes")?),
    };
    let mut files = Vec::new();
    if let Value::List(items) = events {
        for item in items {
            let pair = outputs::list_of_len(item, "an event file", 2)?;
            files.push((outputs::text(&pair[0], "an event file name")?, bytes_of(&pair[1], "an event file's bytes")?));
        }
    }
    Ok(Run {
        what,
        step_loss: numbers::floats(step, "step_loss")?,
        train_loss: numbers::floats(train, "train_loss")?,
        val_loss: numbers::floats(val, "val_loss")?,
        val_accuracy: numbers::floats(acc, "val_accuracy")?,
        test_loss: numbers::float(test_loss, "test_loss")?,
        test_accuracy: numbers::float(test_accuracy, "test_accuracy")?,
        model,
        events: files,
    })
}

/// Steps per epoch: 1500 training images, 150 of them held out for validation.
fn steps_per_epoch() -> i64 {
    let n_train = 1500 - 1500 / 10;
    (n_train + BATCH - 1) / BATCH
}

/// The run reaches the threshold and its history has the right lengths.
fn judge_run(run: &Run, epochs: i64) -> Result<(), Failure> {
    let steps = epochs * steps_per_epoch();
    for (name, v, want) in [
        ("train_loss", &run.train_loss, epochs),
        ("val_loss", &run.val_loss, epochs),
        ("val_accuracy", &run.val_accuracy, epochs),
        ("step_loss", &run.step_loss, steps),
    ] {
        if v.len() as i64 != want {
            let per = if name == "step_loss" {
                format!(
                    " ({epochs} epochs × {} steps: 1350 training images in batches of {BATCH}, the last one smaller — it still counts)",
                    steps_per_epoch()
                )
            } else {
                " (one per epoch)".into()
            };
            return Err(Failure::wrong(format!("{}: `history.{name}` has {} entries, expected {want}{per}.", run.what, v.len())));
        }
    }
    if let Some((i, v)) = run.step_loss.iter().chain(&run.val_loss).chain(&[run.test_loss]).enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Failure::wrong(format!("{}: a loss is {} (entry {i}): training diverged.", run.what, num(*v))));
    }
    if run.test_accuracy < THRESHOLD {
        return Err(Failure::wrong(format!(
            "{} reached test accuracy {} (it must reach {THRESHOLD}; the reference reaches 0.91 or more). Validation \
             accuracy per epoch: {}. Check that every epoch shuffles and visits all training batches, that each step \
             clears the gradients before `backward`, and that evaluation uses the trained model.",
            run.what,
            num((run.test_accuracy * 1000.0).round() / 1000.0),
            run.val_accuracy.iter().map(|a| format!("{:.3}", a)).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// A run of `epochs` on all the digits, judged, with its curves attached next to the grader's own run.
fn graded_run(ctx: &mut Ctx, optimizer: &str, lr: f64, epochs: i64) -> Result<(), Failure> {
    let run = run(ctx, optimizer, lr, epochs)?;
    let d = digits::load().map_err(Failure::Grader)?;
    let reference = curves::reference(&d, optimizer, lr, epochs, BATCH, seed_of(ctx))?;
    curves::attach(ctx, &format!("train-{optimizer}"), &run, &reference);
    judge_run(&run, epochs)
}

pub fn sgd_baseline(ctx: &mut Ctx) -> Result<(), Failure> {
    graded_run(ctx, "sgd", 0.1, SGD_EPOCHS)
}

pub fn adam(ctx: &mut Ctx) -> Result<(), Failure> {
    graded_run(ctx, "adam", 1e-3, EPOCHS)
}

/// A short SGD run (lr 0.1, [`SHORT_EPOCHS`] epochs) on a part of the shipped
/// digits, with a batch size drawn from the seed: only consistency is judged.
fn short_run(ctx: &mut Ctx) -> Result<Run, Failure> {
    let count = ctx.rng().random_range(SHORT_IMAGES);
    let batch = ctx.rng().random_range(32..129);
    let (x, y) = subset(ctx, count)?;
    run_on(ctx, &x, &y, "sgd", 0.1, SHORT_EPOCHS, batch, &format!("{count} of the shipped training digits"))
}

/// The six weight tensors of the model `run` saved (f32, in `fc1.weight`,
/// `fc1.bias`, … order), or what is wrong with the file.
fn load_saved(run: &Run) -> Result<Vec<Tensor>, Failure> {
    let Some(bytes) = &run.model else {
        return Err(Failure::wrong(format!(
            "{} wrote no model file at `config.save_path`. Save the trained weights with `vs.save(path)` (the \
             `.safetensors` extension picks the format).",
            run.what
        )));
    };
    let dir = tempfile::tempdir().map_err(|e| Failure::Grader(format!("no temporary directory: {e}")))?;
    let path = dir.path().join("model.safetensors");
    std::fs::write(&path, bytes).map_err(|e| Failure::Grader(format!("cannot write the model copy: {e}")))?;
    let named = Tensor::read_safetensors(&path).map_err(|e| {
        Failure::wrong(format!("{}: the saved model is not a readable safetensors file ({e}). Save with `vs.save(path)`.", run.what))
    })?;
    let shapes: [(&str, &[i64]); 6] = [
        ("fc1.weight", &[256, 64]),
        ("fc1.bias", &[256]),
        ("fc2.weight", &[256, 256]),
        ("fc2.bias", &[256]),
        ("fc3.weight", &[10, 256]),
        ("fc3.bias", &[10]),
    ];
    let mut weights = Vec::new();
    for (name, shape) in shapes {
        let Some((_, t)) = named.iter().find(|(n, _)| n == name) else {
            let found: Vec<String> = named.iter().map(|(n, t)| format!("{n} {:?}", t.size())).collect();
            return Err(Failure::wrong(format!(
                "{}: the saved model has no `{name}`; it holds {found:?}. Save the VarStore the `Mlp` was built on \
                 (its layers are named fc1, fc2, fc3).",
                run.what
            )));
        };
        if t.size() != shape {
            return Err(Failure::wrong(format!("{}: the saved `{name}` has shape {:?}, expected {shape:?}.", run.what, t.size())));
        }
        weights.push(t.to_kind(Kind::Float));
    }
    Ok(weights)
}

pub fn saved_model(ctx: &mut Ctx) -> Result<(), Failure> {
    let run = short_run(ctx)?;
    let weights = load_saved(&run)?;
    // Evaluated with the student's own `evaluate` (batches of 256, as `train`
    // does), so that only the saving is judged here.
    let d = digits::load().map_err(Failure::Grader)?;
    let args = mlp::args(&weights, vec![Value::arg(&d.test_images), Value::arg(&d.test_labels), 256i64.into()]);
    let out = ctx.call("evaluate", args)?;
    let [loss, accuracy] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for evaluate".into()));
    };
    let (loss, accuracy) = (numbers::float(loss, "the loss")?, numbers::float(accuracy, "the accuracy")?);
    if (accuracy - run.test_accuracy).abs() > 1e-9 || (loss - run.test_loss).abs() > 1e-5 * loss.abs().max(1.0) {
        return Err(Failure::wrong(format!(
            "{}: your `evaluate` gives the saved model accuracy {} and loss {} on the test images, but `train` \
             reported accuracy {} and loss {}. Save the trained model — the same weights you evaluated on the test \
             set — after training.",
            run.what,
            num(accuracy),
            num(loss),
            num(run.test_accuracy),
            num(run.test_loss)
        )));
    }
    Ok(())
}

pub fn tensorboard(ctx: &mut Ctx) -> Result<(), Failure> {
    let run = short_run(ctx)?;
    let files: Vec<&(String, Vec<u8>)> = run.events.iter().filter(|(name, _)| name.contains("tfevents")).collect();
    if files.is_empty() {
        let found: Vec<&str> = run.events.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Failure::wrong(format!(
            "{}: `config.log_dir` holds no TensorBoard event file (a file whose name contains `tfevents`); it holds \
             {found:?}. Create an `EventWriter` on `config.log_dir` and log with `add_scalar`.",
            run.what
        )));
    }
    let mut scalars = Vec::new();
    for (name, bytes) in files {
        let found = tfevents::scalars(bytes).map_err(|e| {
            Failure::wrong(format!("{}: the event file `{name}` cannot be read: {e}. Write it with the given `EventWriter`.", run.what))
        })?;
        scalars.extend(found);
    }
    let logged: [(&str, &Vec<f64>, i64, &str); 3] = [
        ("Loss/train", &run.step_loss, 0, "history.step_loss, at steps 0, 1, 2, …"),
        ("Loss/val", &run.val_loss, 1, "history.val_loss, at steps 1, 2, … (the epoch number)"),
        ("Accuracy/val", &run.val_accuracy, 1, "history.val_accuracy, at steps 1, 2, … (the epoch number)"),
    ];
    for (tag, history, first, expected) in logged {
        let mut got: Vec<(i64, f32)> = scalars.iter().filter(|s| s.tag == tag).map(|s| (s.step, s.value)).collect();
        got.sort_by_key(|(step, _)| *step);
        let steps: Vec<i64> = got.iter().map(|(s, _)| *s).collect();
        let want_steps: Vec<i64> = (first..first + history.len() as i64).collect();
        if steps != want_steps {
            let list = |v: &[i64]| {
                let shown: Vec<String> = v.iter().take(5).map(|s| s.to_string()).collect();
                format!("[{}{}]", shown.join(", "), if v.len() > 5 { ", …" } else { "" })
            };
            return Err(Failure::wrong(format!(
                "{}: the event files hold {} `{tag}` scalars at steps {}; expected {} at steps {} — {expected}. Log \
                 every value once, under exactly this tag.",
                run.what,
                steps.len(),
                list(&steps),
                want_steps.len(),
                list(&want_steps)
            )));
        }
        for ((step, value), want) in got.iter().zip(history.iter()) {
            let want32 = *want as f32;
            if (value - want32).abs() > 1e-6 * want32.abs().max(1.0) {
                return Err(Failure::wrong(format!(
                    "{}: `{tag}` at step {step} is {} in the event file but {} in the history ({expected}). Log the \
                     same numbers you return.",
                    run.what,
                    num(*value as f64),
                    num(*want)
                )));
            }
        }
    }
    Ok(())
}

pub fn history(ctx: &mut Ctx) -> Result<(), Failure> {
    // A part of the digits and a batch size drawn from the seed, so that the
    // last batch is smaller; the numbers are judged against the run itself.
    let count = ctx.rng().random_range(SHORT_IMAGES);
    let batch = ctx.rng().random_range(20..150);
    let (x, y) = subset(ctx, count)?;
    let data = format!("{count} of the shipped training digits");
    let run = run_on(ctx, &x, &y, "sgd", 0.1, SHORT_EPOCHS, batch, &data)?;
    // The parts `train` used come from the student's own split, so that a
    // wrong split costs the split checks only.
    let out = ctx.call("split_train_val", vec![(count as i64).into(), seed_of(ctx).into()])?;
    let [train_part, val_part] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for split_train_val".into()));
    };
    let (train_part, val_part) = (outputs::ints(train_part, "train")?, outputs::ints(val_part, "val")?);
    let n_train = train_part.len() as i64;
    let steps = (n_train + batch - 1) / batch;
    let last = n_train - (steps - 1) * batch;
    for (name, v, want) in [
        ("train_loss", &run.train_loss, SHORT_EPOCHS),
        ("val_loss", &run.val_loss, SHORT_EPOCHS),
        ("val_accuracy", &run.val_accuracy, SHORT_EPOCHS),
        ("step_loss", &run.step_loss, SHORT_EPOCHS * steps),
    ] {
        if v.len() as i64 != want {
            return Err(Failure::wrong(format!(
                "{}: `history.{name}` has {} entries, expected {want} ({}).",
                run.what,
                v.len(),
                if name == "step_loss" {
                    format!("{SHORT_EPOCHS} epochs × {steps} steps: {n_train} training images in batches of {batch}, the last of {last}")
                } else {
                    "one per epoch".into()
                }
            )));
        }
    }
    // Each epoch's training loss: its step losses weighted by their batch sizes.
    for epoch in 0..SHORT_EPOCHS as usize {
        let losses = &run.step_loss[epoch * steps as usize..(epoch + 1) * steps as usize];
        let weighted: f64 = losses.iter().enumerate().map(|(k, l)| l * if k + 1 == losses.len() { last } else { batch } as f64).sum();
        let want = weighted / n_train as f64;
        let got = run.train_loss[epoch];
        if (got - want).abs() > 1e-6 * want.abs().max(1.0) {
            let plain = losses.iter().sum::<f64>() / losses.len() as f64;
            let why = if (got - plain).abs() <= 1e-6 * plain.abs().max(1.0) {
                format!(" You took the plain mean of the {steps} step losses, so the last batch of {last} counts as much as a full one of {batch}.")
            } else if (got - weighted / count as f64).abs() <= 1e-6 * want.abs().max(1.0) {
                format!(" You divided by all {count} images; the epoch trains on the {n_train} of the training part.")
            } else {
                String::new()
            };
            return Err(Failure::wrong(format!(
                "{}: `history.train_loss[{epoch}]` is {}, but the mean training loss over the epoch's {n_train} \
                 samples, from your own `step_loss` (each step's loss times its batch size, summed, divided by \
                 {n_train}), is {}.{why}",
                run.what,
                num(got),
                num(want)
            )));
        }
    }
    // The validation numbers after the last epoch are those your `evaluate`
    // gives the saved (final) model on the validation part: so a bug in the
    // model or in `evaluate` costs their own checks, and a run that saves no
    // model is the saved-model check's to judge.
    if let Ok(weights) = load_saved(&run) {
        let val = Tensor::from_slice(&val_part);
        let (xv, yv) = (x.index_select(0, &val), y.index_select(0, &val));
        let out = ctx.call("evaluate", mlp::args(&weights, vec![Value::arg(&xv), Value::arg(&yv), 256i64.into()]))?;
        let [want_loss, want_accuracy] = out.as_slice() else {
            return Err(Failure::Grader("the runner sent the wrong outputs for evaluate".into()));
        };
        let (want_loss, want_accuracy) = (numbers::float(want_loss, "the loss")?, numbers::float(want_accuracy, "the accuracy")?);
        let e = SHORT_EPOCHS as usize - 1;
        let (got_loss, got_accuracy) = (run.val_loss[e], run.val_accuracy[e]);
        if (got_accuracy - want_accuracy).abs() > 1e-9 || (got_loss - want_loss).abs() > 1e-5 * want_loss.abs().max(1.0) {
            return Err(Failure::wrong(format!(
                "{}: after the last epoch `history` holds validation loss {} and accuracy {}, but your `evaluate` \
                 gives your saved model — the model after that epoch — loss {} and accuracy {} on the {} validation \
                 images of `split_train_val({count}, seed)`. Evaluate on the validation part (not the training part \
                 or the test images), after the epoch's training steps.",
                run.what,
                num(got_loss),
                num(got_accuracy),
                num(want_loss),
                num(want_accuracy),
                val_part.len()
            )));
        }
    }
    // No epochs: nothing trained, nothing in the history.
    let (x0, y0) = subset(ctx, 60)?;
    let idle = run_on(ctx, &x0, &y0, "sgd", 0.1, 0, 16, "60 of the shipped training digits")?;
    let lengths = [idle.step_loss.len(), idle.train_loss.len(), idle.val_loss.len(), idle.val_accuracy.len()];
    if lengths != [0; 4] {
        return Err(Failure::wrong(format!(
            "{}: the history has {lengths:?} entries (step_loss, train_loss, val_loss, val_accuracy); with 0 epochs \
             nothing is trained, so all four stay empty.",
            idle.what
        )));
    }
    Ok(())
}
