//! Exercises 18–20: the training loop (curves, schedule, the best validation
//! state restored and checkpointed), the checkpoint round trip, and the
//! "overfit a tiny subset" sanity check.

use crate::checkpoint::{bit_exact, parse};
use crate::oracle::{self, Opt, RunSpec, Split};
use crate::wire::{self, at, float, history, int, named, weights_arg, Curves};
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// What one `train_model` call of a check uses.
struct Run {
    spec: (i64, i64, i64, f64),
    batch_size: i64,
    epochs: i64,
    lr: f64,
    opt: Opt,
    wd: f64,
    schedule: (i64, f64),
    seed: i64,
    checkpoint: bool,
}

/// What came back from `train_model`.
struct Trained {
    curves: Curves,
    weights: Vec<(String, Tensor)>,
    file: Vec<u8>,
}

fn train(ctx: &mut Ctx, run: &Run, weights: &[(String, Tensor)], data: &Split) -> Result<Trained, Failure> {
    let (d, h, c, p) = run.spec;
    let args = vec![
        d.into(),
        h.into(),
        c.into(),
        p.into(),
        weights_arg(weights),
        Value::arg(&data.x_train),
        Value::arg(&data.y_train),
        Value::arg(&data.x_val),
        Value::arg(&data.y_val),
        run.batch_size.into(),
        run.epochs.into(),
        run.lr.into(),
        run.opt.name().into(),
        run.wd.into(),
        run.schedule.0.into(),
        run.schedule.1.into(),
        run.seed.into(),
        run.checkpoint.into(),
    ];
    let out = wire::call_ok(ctx, "`train_model`", "train_model", args)?;
    let curves = history(at(&out, 0)?)?;
    curves.require_epochs("`train_model`", run.epochs)?;
    let file = match at(&out, 2)? {
        Value::Tensor(t) => t.bytes.clone(),
        _ => Vec::new(),
    };
    Ok(Trained { curves, weights: named(at(&out, 1)?)?, file })
}

fn check_schedule(run: &Run, curves: &Curves) -> Result<(), Failure> {
    let (step_size, gamma) = run.schedule;
    for (e, &got) in curves.lr.iter().enumerate() {
        let epoch = e as i64 + 1;
        let want = if step_size > 0 { run.lr * gamma.powi(((epoch - 1) / step_size) as i32) } else { run.lr };
        if (got - want).abs() > 1e-12 * want.abs() {
            return Err(Failure::wrong(format!(
                "`train_model` with lr {} and StepLR(step_size {step_size}, gamma {gamma}) recorded learning rate {} for epoch {epoch}; \
                 expected {}. Set the optimiser's rate with `set_lr(schedule.lr_at(lr, epoch))` at the start of every epoch and record it.",
                num(run.lr),
                num(got),
                num(want)
            )));
        }
    }
    Ok(())
}

/// A validation loss of exactly 0 in every epoch means `evaluate` saw no sample.
fn check_evaluated(curves: &Curves) -> Result<(), Failure> {
    if !curves.val_loss.is_empty() && curves.val_loss.iter().all(|&v| v == 0.0) {
        return Err(Failure::wrong(
            "`train_model` recorded a validation loss of exactly 0 in every epoch: `evaluate` saw no sample. The grader's \
             validation loader holds fewer samples than one batch (256), so all of them are in the last, partial batch: keep it.",
        ));
    }
    Ok(())
}

fn check_best_epoch(curves: &Curves) -> Result<(i64, f64), Failure> {
    let Some((best, loss)) = curves.best() else {
        return Err(Failure::wrong("Every validation loss in the history of `train_model` is NaN: nothing could be learned."));
    };
    if curves.best_epoch != best {
        return Err(Failure::wrong(format!(
            "`train_model` reported best_epoch = {}, but the lowest validation loss in its history, {}, is at epoch {best} \
             (epochs count from 1). Track the best epoch when the validation loss improves on every earlier one.",
            curves.best_epoch,
            num(loss)
        )));
    }
    Ok((best, loss))
}

pub fn train_model(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let (x, y) = oracle::moons(600, 0.2);
    let data = oracle::split(&x, &y, 420);
    let weights = oracle::mlp_weights(2, 32, 2);
    let run = Run {
        spec: (2, 32, 2, 0.1),
        batch_size: 32,
        epochs: 20,
        lr: 1e-2,
        opt: Opt::Adam,
        wd: 1e-4,
        schedule: (10, 0.5),
        seed: ctx.rng().random_range(0..1_000_000),
        checkpoint: false,
    };
    let trained = train(ctx, &run, &weights, &data)?;
    let curves = &trained.curves;
    let spec = RunSpec { dropout: run.spec.3, opt: run.opt, lr: run.lr, wd: run.wd, schedule: run.schedule, epochs: run.epochs, batch_size: run.batch_size };
    let reference = oracle::reference_run(&weights, &data, &spec, ctx.device());
    crate::curves::attach_training(ctx, "train-model", curves, &reference);
    check_schedule(&run, curves)?;
    check_evaluated(curves)?;
    check_best_epoch(curves)?;
    let threshold = 0.88;
    let best_acc = curves.best_acc();
    if !(best_acc >= threshold) {
        return Err(Failure::wrong(format!(
            "`train_model` (Adam, lr 0.01, weight decay 1e-4, StepLR(10, 0.5), 20 epochs, batches of 32) on 420 noisy moons reached a best \
             validation accuracy of {}; a working loop reaches at least {threshold} (the reference gets about {}). Check that every \
             batch takes a step, that the loss is the cross-entropy of the logits, and that accuracy compares the argmax with the labels.",
            num(best_acc),
            num((reference.val_acc.iter().copied().fold(0.0, f64::max) * 1000.0).round() / 1000.0)
        )));
    }
    let (first, last) = (curves.train_loss[0], curves.train_loss[curves.train_loss.len() - 1]);
    if !(last < first) {
        return Err(Failure::wrong(format!(
            "The training loss of `train_model` went from {} in epoch 1 to {} in epoch {}: it should go down.",
            num(first),
            num(last),
            run.epochs
        )));
    }
    Ok(())
}

pub fn best_state(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let (x, y) = oracle::moons(300, 0.2);
    let data = oracle::split(&x, &y, 200);
    let weights = oracle::mlp_weights(2, 16, 2);
    // The rate grows tenfold every 4 epochs, so later epochs get worse and the best one is early.
    let run = Run {
        spec: (2, 16, 2, 0.2),
        batch_size: 32,
        epochs: 12,
        lr: 0.1,
        opt: Opt::Sgd,
        wd: 0.0,
        schedule: (4, 10.0),
        seed: ctx.rng().random_range(0..1_000_000),
        checkpoint: true,
    };
    let trained = train(ctx, &run, &weights, &data)?;
    let curves = &trained.curves;
    check_schedule(&run, curves)?;
    check_evaluated(curves)?;
    let (best, best_loss) = check_best_epoch(curves)?;
    let setting = "(the grader raises the learning rate tenfold every 4 epochs, so the best epoch comes early)";
    // The model must hold the best epoch's weights: its validation loss is the best one.
    let (loss_now, _) = tch::no_grad(|| oracle::mlp_loss_acc(&trained.weights, &data.x_val, &data.y_val, ctx.device()));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * b.abs().max(1e-3);
    if !close(loss_now, best_loss) {
        let last = curves.val_loss[curves.val_loss.len() - 1];
        let why = if close(loss_now, last) {
            format!(
                "that is the loss of the last epoch ({}), so the best weights were not restored. Keep a `snapshot` of the \
                 variables whenever the validation loss improves, and `restore` it after the last epoch.",
                num(last)
            )
        } else if curves.val_loss.iter().any(|&v| close(loss_now, v)) {
            "that is the loss of another epoch: restore the snapshot of the epoch with the lowest validation loss.".to_string()
        } else {
            "that matches no epoch of your history. Is `evaluate` in evaluation mode (`forward_t(x, false)`, no dropout)? \
             With dropout on, the recorded losses are noisy and do not belong to the weights; and is the snapshot a copy \
             (`detach().copy()`), not a handle to the live variables?"
                .to_string()
        };
        return Err(Failure::wrong(format!(
            "After `train_model` {setting}, the model's validation loss is {}, but the best epoch of its history is epoch {best} \
             with loss {}: {why}",
            num(loss_now),
            num(best_loss)
        )));
    }
    let parsed = parse(&trained.file).map_err(|m| {
        Failure::wrong(format!("`train_model` with `checkpoint: Some(path)` was asked to save the best epoch, but {m}: call `save_checkpoint` whenever the validation loss improves."))
    })?;
    let meta = |key: &str| parsed.metadata.get(key).cloned().unwrap_or_else(|| "(missing)".into());
    let want = [
        ("epoch", best.to_string(), meta("epoch").parse::<i64>().map(|v| v == best).unwrap_or(false)),
        ("val_loss", best_loss.to_string(), meta("val_loss").parse::<f64>().map(|v| v == best_loss).unwrap_or(false)),
        ("val_acc", curves.val_acc[(best - 1) as usize].to_string(), meta("val_acc").parse::<f64>().map(|v| v == curves.val_acc[(best - 1) as usize]).unwrap_or(false)),
        ("seed", run.seed.to_string(), meta("seed").parse::<i64>().map(|v| v == run.seed).unwrap_or(false)),
    ];
    for (key, expected, ok) in &want {
        if !ok {
            // A value that is only a little off was rounded on the way to text.
            let rounded = match (meta(key).parse::<f64>(), expected.parse::<f64>()) {
                (Ok(found), Ok(exact)) => (found - exact).abs() <= 1e-3 * exact.abs().max(1.0),
                _ => false,
            };
            let why = if rounded {
                "The number was rounded: write every field with `to_string()`, which gives the shortest text that reads back as exactly the same number."
            } else {
                "Save on every improvement, so that the last file written is the best epoch's."
            };
            return Err(Failure::wrong(format!(
                "The checkpoint `train_model` wrote {setting} has metadata `{key}` = {:?}; expected {expected:?} (the best epoch {best}, \
                 its validation loss and accuracy, and the run's seed). {why}",
                meta(key)
            )));
        }
    }
    bit_exact("The checkpoint's tensors", &trained.weights, &parsed.tensors).map_err(|m| {
        Failure::wrong(format!("{m}. The file must hold the best epoch's weights, which are also the model's weights after training."))
    })
}

pub fn checkpoint_roundtrip(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c) = (2i64, 8i64, 3i64);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let epoch = ctx.rng().random_range(1..300i64);
    // Short decimals (at most 10 digits) cross the JSON protocol exactly.
    let val_loss = ctx.rng().random_range(10_000_000..2_000_000_000i64) as f64 / 1e9;
    let val_acc = ctx.rng().random_range(1..=128i64) as f64 / 128.0;
    let seed = ctx.rng().random_range(0..i64::MAX);
    let args = vec![d.into(), h.into(), c.into(), 0.2.into(), weights_arg(&weights), epoch.into(), val_loss.into(), val_acc.into(), seed.into()];
    let what = format!("`save_checkpoint` then `load_checkpoint` (epoch {epoch}, val_loss {val_loss}, val_acc {val_acc}, seed {seed})");
    let out = wire::call(ctx, "checkpoint_roundtrip", args)?.map_err(|e| Failure::wrong(format!("In {what}, `{}` returned an error: {}", e.kind, e.message)))?;
    let file = match at(&out, 0)? {
        Value::Tensor(t) => t.bytes.clone(),
        _ => Vec::new(),
    };
    let parsed = parse(&file).map_err(|m| Failure::wrong(format!("The file written by `save_checkpoint` cannot be read: {m}. Write it with `safetensors::tensor::serialize_to_file`.")))?;
    // mlp_weights comes sorted by name.
    let sorted = &weights;
    bit_exact("The file written by `save_checkpoint`", sorted, &parsed.tensors).map_err(|m| {
        Failure::wrong(format!("{m}. Save every variable of the var store under its own name (`vs.variables()`), as f32."))
    })?;
    let expected = [("epoch", epoch.to_string()), ("val_loss", val_loss.to_string()), ("val_acc", val_acc.to_string()), ("seed", seed.to_string())];
    for (key, text) in &expected {
        let found = parsed.metadata.get(*key);
        let same = match *key {
            "val_loss" | "val_acc" => found.and_then(|f| f.parse::<f64>().ok()).map(|v| v.to_string() == *text).unwrap_or(false),
            _ => found.map(|f| f == text).unwrap_or(false),
        };
        if !same {
            let found = found.map(|f| format!("{f:?}")).unwrap_or_else(|| "nothing (the key is missing)".into());
            return Err(Failure::wrong(format!(
                "The metadata of the file written by `save_checkpoint` has `{key}` = {found}; expected {text:?}. Write every field with \
                 `to_string()`: for an f64 it gives the shortest text that reads back as exactly the same number (`format!(\"{{:.4}}\")` loses digits)."
            )));
        }
    }
    let got = (int(at(&out, 1)?)?, float(at(&out, 2)?)?, float(at(&out, 3)?)?, int(at(&out, 4)?)?);
    if got != (epoch, val_loss, val_acc, seed) {
        return Err(Failure::wrong(format!(
            "`load_checkpoint` returned epoch {}, val_loss {}, val_acc {}, seed {}; the file was saved with epoch {epoch}, val_loss {val_loss}, \
             val_acc {val_acc}, seed {seed}. Parse each metadata string back into its type.",
            got.0, got.1, got.2, got.3
        )));
    }
    bit_exact("After `load_checkpoint` into a freshly initialised model, the model", sorted, &named(at(&out, 5)?)?)
        .map_err(|m| Failure::wrong(format!("{m}. Copy each stored tensor into the variable of the same name (`copy_` under `tch::no_grad`).")))
}

pub fn overfit_tiny(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let n = 24i64;
    let (x, y) = oracle::moons(n, 0.1);
    let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
    let (x, y) = (x.index_select(0, &order), y.index_select(0, &order));
    // The rest of the data repeats the tiny subset with the labels flipped: a loop that trains on
    // more than the first n samples cannot fit them.
    let noise = Tensor::randn([n, 2], (Kind::Float, Device::Cpu)) * 0.01;
    let x_all = Tensor::cat(&[&x, &(&x + noise)], 0);
    let y_all = Tensor::cat(&[&y, &(1 - &y)], 0);
    let weights = oracle::mlp_weights(2, 32, 2);
    let (batch, epochs, lr) = (8i64, 150i64, 1e-2);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let args = vec![
        2i64.into(),
        32i64.into(),
        2i64.into(),
        0.0.into(),
        weights_arg(&weights),
        Value::arg(&x_all),
        Value::arg(&y_all),
        n.into(),
        batch.into(),
        epochs.into(),
        lr.into(),
        seed.into(),
    ];
    let what = format!("`overfit_tiny_subset(model, vs, data of {} samples, {n}, {batch}, {epochs}, {lr}, {seed})`", 2 * n);
    let out = wire::call_ok(ctx, &what, "overfit_tiny_subset", args)?;
    let curves = history(at(&out, 0)?)?;
    curves.require_epochs(&what, epochs)?;
    let final_acc = curves.val_acc[curves.val_acc.len() - 1];
    let best_loss = curves.best().map(|b| b.1).unwrap_or(f64::NAN);
    if !(final_acc == 1.0 && best_loss < 0.05) {
        return Err(Failure::wrong(format!(
            "{what} ended with accuracy {} and a best loss of {} on its {n} samples; a working loop fits {n} points perfectly \
             (accuracy 1, loss below 0.05), so something in the loop is broken: a step without `zero_grad`, a learning rate \
             that does not reach the optimiser, or training on more than the first {n} samples (the grader's later samples \
             contradict them on purpose). Use Adam at lr {lr}, no weight decay.",
            num(final_acc),
            num(best_loss)
        )));
    }
    Ok(())
}
