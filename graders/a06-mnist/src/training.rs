//! Exercise 8: whole training runs on the shipped digits. The grader checks
//! the test accuracy, the shape of the history, the saved model (loaded and
//! evaluated by the grader) and the TensorBoard event files (parsed and
//! compared with the history).

use crate::{curves, digits, mlp, tfevents};
use gradwork::outputs;
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::{Kind, Tensor};

/// Epochs of the runs that must reach [`THRESHOLD`].
pub const EPOCHS: i64 = 10;
/// Epochs of the runs whose files are checked (shorter: only consistency matters).
pub const SHORT_EPOCHS: i64 = 3;
/// Mini-batch size of the graded runs (the notebook's).
pub const BATCH: i64 = 128;
/// Test accuracy a graded run must reach. The reference, over seeds 0–11
/// (10 epochs, batch 128): SGD lr 0.1 0.939–0.963, Adam lr 1e-3 0.960–0.980.
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
    let seed = seed_of(ctx);
    let what = format!(
        "`train` on the shipped digits ({epochs} epochs, batch size {BATCH}, {} with lr {}, seed {seed})",
        if optimizer == "sgd" { "SGD" } else { "Adam" },
        num(lr)
    );
    let args = vec![
        Value::arg(&d.train_images),
        Value::arg(&d.train_labels),
        Value::arg(&d.test_images),
        Value::arg(&d.test_labels),
        epochs.into(),
        BATCH.into(),
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
        step_loss: outputs::floats(step, "step_loss")?,
        train_loss: outputs::floats(train, "train_loss")?,
        val_loss: outputs::floats(val, "val_loss")?,
        val_accuracy: outputs::floats(acc, "val_accuracy")?,
        test_loss: outputs::float(test_loss, "test_loss")?,
        test_accuracy: outputs::float(test_accuracy, "test_accuracy")?,
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
fn judge_run(run: &Run) -> Result<(), Failure> {
    let steps = EPOCHS * steps_per_epoch();
    for (name, v, want) in [
        ("train_loss", &run.train_loss, EPOCHS),
        ("val_loss", &run.val_loss, EPOCHS),
        ("val_accuracy", &run.val_accuracy, EPOCHS),
        ("step_loss", &run.step_loss, steps),
    ] {
        if v.len() as i64 != want {
            let per = if name == "step_loss" {
                format!(
                    " ({EPOCHS} epochs × {} steps: 1350 training images in batches of {BATCH}, the last one smaller — it still counts)",
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
            "{} reached test accuracy {} (it must reach {THRESHOLD}; the reference reaches about 0.95). Validation \
             accuracy per epoch: {}. Check that every epoch shuffles and visits all training batches, that each step \
             clears the gradients before `backward`, and that evaluation uses the trained model.",
            run.what,
            num((run.test_accuracy * 1000.0).round() / 1000.0),
            run.val_accuracy.iter().map(|a| format!("{:.3}", a)).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// A full-length run, judged, with its curves attached next to the grader's own run.
fn graded_run(ctx: &mut Ctx, optimizer: &str, lr: f64) -> Result<(), Failure> {
    let run = run(ctx, optimizer, lr, EPOCHS)?;
    let d = digits::load().map_err(Failure::Grader)?;
    let reference = curves::reference(&d, optimizer, lr, EPOCHS, BATCH, seed_of(ctx))?;
    curves::attach(ctx, &format!("train-{optimizer}"), &run, &reference);
    judge_run(&run)
}

pub fn sgd_baseline(ctx: &mut Ctx) -> Result<(), Failure> {
    graded_run(ctx, "sgd", 0.1)
}

pub fn adam(ctx: &mut Ctx) -> Result<(), Failure> {
    graded_run(ctx, "adam", 1e-3)
}

pub fn saved_model(ctx: &mut Ctx) -> Result<(), Failure> {
    let run = run(ctx, "sgd", 0.1, SHORT_EPOCHS)?;
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
    // Evaluated with the student's own `evaluate` (batches of 256, as `train`
    // does), so that only the saving is judged here.
    let d = digits::load().map_err(Failure::Grader)?;
    let args = mlp::args(&weights, vec![Value::arg(&d.test_images), Value::arg(&d.test_labels), 256i64.into()]);
    let out = ctx.call("evaluate", args)?;
    let [loss, accuracy] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for evaluate".into()));
    };
    let (loss, accuracy) = (outputs::float(loss, "the loss")?, outputs::float(accuracy, "the accuracy")?);
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
    let run = run(ctx, "sgd", 0.1, SHORT_EPOCHS)?;
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
