//! Exercises 18–20: the training loop (curves, schedule, the best validation
//! state restored and checkpointed), the checkpoint round trip, and the
//! "overfit a tiny subset" sanity check.

use crate::checkpoint::{bit_exact, parse};
use crate::oracle::{self, Opt, RunSpec, Split};
use crate::wire::{self, at, float, history, int, named, weights_arg, Curves};
use gradwork::compare::{num, Tolerance};
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

/// A validation loss of NaN (a mean over no samples), or of exactly 0, in
/// every epoch means `evaluate` saw no sample.
fn check_evaluated(curves: &Curves) -> Result<(), Failure> {
    if !curves.val_loss.is_empty() && curves.val_loss.iter().all(|&v| v == 0.0 || v.is_nan()) {
        return Err(Failure::wrong(format!(
            "`train_model` recorded a validation loss of {} in every epoch: `evaluate` saw no sample. The grader's \
             validation loader holds fewer samples than one batch (256), so all of them are in the last, partial batch: keep it.",
            num(curves.val_loss[0])
        )));
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
    // 240 validation samples (one batch of the runner's 256) keep the
    // accuracy's sampling noise small; training stays at 280.
    let (x, y) = oracle::moons(520, 0.2);
    let data = oracle::split(&x, &y, 280);
    let weights = oracle::mlp_weights(2, 32, 2);
    let run = Run {
        spec: (2, 32, 2, 0.1),
        batch_size: 28,
        epochs: 12,
        lr: 2e-2,
        opt: Opt::Adam,
        wd: 1e-4,
        schedule: (6, 0.5),
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
            "`train_model` (Adam, lr 0.02, weight decay 1e-4, StepLR(6, 0.5), 12 epochs, batches of 28) on 280 noisy moons reached a best \
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
    let (batch, epochs, lr) = (12i64, 50i64, 3e-2);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let (what, curves) = overfit_tiny_run(ctx, (32, &weights), (&x_all, &y_all), n, (batch, epochs, lr, seed))?;
    if let Some((e, &rate)) = curves.lr.iter().enumerate().find(|(_, &r)| r != lr) {
        return Err(Failure::wrong(format!(
            "{what} recorded learning rate {} in epoch {}: the sanity check trains without a schedule, at lr {lr} in every epoch \
             (`schedule: None`, Adam, no weight decay).",
            num(rate),
            e + 1
        )));
    }
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
    overfit_replay(ctx)
}

/// `overfit_tiny_subset` on a 2 → `hidden` → 2 MLP with `weights` (no
/// dropout), over the first `n` of the samples `data`, with `(batch_size,
/// epochs, lr, seed)`: the call as the messages show it, and its history
/// with one entry per epoch.
fn overfit_tiny_run(
    ctx: &mut Ctx,
    (hidden, weights): (i64, &[(String, Tensor)]),
    (x, y): (&Tensor, &Tensor),
    n: i64,
    (batch, epochs, lr, seed): (i64, i64, f64, i64),
) -> Result<(String, Curves), Failure> {
    let args = vec![
        2i64.into(),
        hidden.into(),
        2i64.into(),
        0.0.into(),
        weights_arg(weights),
        Value::arg(x),
        Value::arg(y),
        n.into(),
        batch.into(),
        epochs.into(),
        lr.into(),
        seed.into(),
    ];
    let what = format!("`overfit_tiny_subset(model, vs, data of {} samples, {n}, {batch}, {epochs}, {lr}, {seed})`", x.size()[0]);
    let out = wire::call_ok(ctx, &what, "overfit_tiny_subset", args)?;
    let curves = history(at(&out, 0)?)?;
    curves.require_epochs(&what, epochs)?;
    Ok((what, curves))
}

/// libtorch's MLP from `weights`, trained with Adam at `lr` on `(x, y)` in
/// the batches of sample ids `epochs` gives, validated on all of `(x, y)`
/// after each epoch: what a correct `overfit_tiny_subset` records.
fn replay_tiny(weights: &[(String, Tensor)], x: &Tensor, y: &Tensor, epochs: &[Vec<Vec<i64>>], lr: f64, device: Device) -> Curves {
    let model = oracle::TorchMlp::new(weights, 0.0, device);
    let mut optimizer = Opt::Adam.build(&model.vs, lr, 0.0);
    let mut curves = Curves::default();
    for batches in epochs {
        let mut total = 0.0;
        for ids in batches {
            let idx = Tensor::from_slice(ids);
            total += oracle::step(&model, &mut optimizer, &x.index_select(0, &idx), &y.index_select(0, &idx)) * ids.len() as f64;
        }
        curves.train_loss.push(total / x.size()[0] as f64);
        let (loss, acc) = tch::no_grad(|| oracle::mlp_loss_acc(&model.weights(), x, y, device));
        curves.val_loss.push(loss);
        curves.val_acc.push(acc);
    }
    curves
}

/// The first epoch where `got` and `want` differ in training loss,
/// validation loss or accuracy.
fn first_mismatch(want: &Curves, got: &Curves, n: i64) -> Option<usize> {
    let loss = Tolerance { rtol: 1e-4, atol: 1e-6 };
    let acc = Tolerance { rtol: 0.0, atol: 0.5 / n as f64 };
    (0..want.train_loss.len()).find(|&e| {
        !(loss.accepts(want.train_loss[e], got.train_loss[e]) && loss.accepts(want.val_loss[e], got.val_loss[e]) && acc.accepts(want.val_acc[e], got.val_acc[e]))
    })
}

/// Part 2 of `overfit-tiny`: a short run replayed number for number. Your own
/// `DataLoader` over the first n samples (made with batch_size, shuffle and
/// seed) says which batches each epoch has; libtorch's loop on those batches
/// from the same weights gives every number of the history.
fn overfit_replay(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, batch, epochs, lr) = (20i64, 8i64, 3i64, 1e-2);
    let (x, y) = oracle::moons(2 * n, 0.2);
    let order = Tensor::randperm(2 * n, (Kind::Int64, Device::Cpu));
    let (x, y) = (x.index_select(0, &order), y.index_select(0, &order));
    let weights = oracle::mlp_weights(2, 16, 2);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let shuffled = crate::loading::run(ctx, n, batch, true, seed, epochs)?.epochs;
    let (what, got) = overfit_tiny_run(ctx, (16, &weights), (&x, &y), n, (batch, epochs, lr, seed))?;
    let (tiny_x, tiny_y) = (x.narrow(0, 0, n), y.narrow(0, 0, n));
    let want = replay_tiny(&weights, &tiny_x, &tiny_y, &shuffled, lr, ctx.device());
    for e in 0..epochs as usize {
        ctx.note_tolerance_used((got.train_loss[e] - want.train_loss[e]).abs() / (1e-6 + 1e-4 * want.train_loss[e].abs()));
        ctx.note_tolerance_used((got.val_loss[e] - want.val_loss[e]).abs() / (1e-6 + 1e-4 * want.val_loss[e].abs()));
    }
    let Some(e) = first_mismatch(&want, &got, n) else {
        return Ok(());
    };
    let in_order: Vec<Vec<Vec<i64>>> = (0..epochs).map(|_| (0..n).collect::<Vec<i64>>().chunks(batch as usize).map(<[i64]>::to_vec).collect()).collect();
    let covered: usize = shuffled.first().map_or(0, |batches| batches.iter().map(Vec::len).sum());
    let why = if covered != n as usize {
        format!(
            "Your `DataLoader` over those {n} samples yields {covered} of them per epoch, so the loss is not averaged over the same \
             samples: fix the loader first (see its checks), then this history follows."
        )
    } else if first_mismatch(&replay_tiny(&weights, &tiny_x, &tiny_y, &in_order, lr, ctx.device()), &got, n).is_none() {
        "Your history is that of batches in the order 0, 1, 2, … in every epoch: the training batches must be shuffled, by a \
         `DataLoader` over the n samples made with `shuffle: true` and `seed`."
            .to_string()
    } else if got.val_acc.iter().any(|&a| ((a * n as f64) - (a * n as f64).round()).abs() > 1e-6) {
        format!(
            "Your validation accuracies are not multiples of 1/{n}, so the validation did not see exactly {n} samples: validate on the \
             same first n samples the model trains on (indices 0..n)."
        )
    } else {
        "Train on exactly the first n samples (indices 0..n), in a `DataLoader` over them made with `batch_size`, `shuffle: true` and \
         `seed`, with Adam at `lr` (no weight decay, no schedule), and validate on the same n samples after every epoch."
            .to_string()
    };
    Err(Failure::wrong(format!(
        "{what} recorded, in epoch {}, training loss {}, validation loss {} and accuracy {}; libtorch's loop on the first {n} samples, in \
         the batches your own `DataLoader::new(those {n} samples, {batch}, true, {seed})` gives, from the same weights, records {}, {} and \
         {} (every earlier epoch matched). {why}",
        e + 1,
        num(got.train_loss[e]),
        num(got.val_loss[e]),
        num(got.val_acc[e]),
        num(want.train_loss[e]),
        num(want.val_loss[e]),
        num(want.val_acc[e])
    )))
}

/// Same shape, kind and bits.
fn same_bits(a: &Tensor, b: &Tensor) -> bool {
    a.size() == b.size() && a.kind() == b.kind() && crate::checkpoint::raw(a) == crate::checkpoint::raw(b)
}

pub fn restore_rules(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c) = (2i64, 4i64, 3i64);
    oracle::seed_torch(ctx);
    let (a, b) = (oracle::mlp_weights(d, h, c), oracle::mlp_weights(d, h, c));
    let names: Vec<String> = a.iter().map(|(n, _)| n.clone()).collect();
    // A random half of the names is restored; two names the model does not have come along.
    let keep: Vec<String> = names.iter().filter(|_| ctx.rng().random_bool(0.5)).cloned().collect();
    let keep = if keep.is_empty() { vec![names[0].clone()] } else { keep };
    let extra = [("fc9.weight".to_string(), Tensor::ones([3, 3], (Kind::Float, Device::Cpu))), ("head.bias".to_string(), Tensor::zeros([c], (Kind::Float, Device::Cpu)))];
    let args = vec![
        d.into(),
        h.into(),
        c.into(),
        0.0.into(),
        weights_arg(&a),
        weights_arg(&b),
        Value::List(keep.iter().map(|n| n.as_str().into()).collect()),
        Value::List(extra.iter().map(|(n, t)| Value::List(vec![n.as_str().into(), Value::arg(t)])).collect()),
    ];
    let out = ctx.call("snapshot_restore", args)?;
    let snap = named(at(&out, 0)?)?;
    let after = named(at(&out, 1)?)?;
    let setup = "The grader takes a `snapshot` of an MLP, then sets every variable to other values in place";
    let value = |set: &[(String, Tensor)], name: &str| set.iter().find(|(n, _)| n == name).map(|(_, t)| t.shallow_clone());
    for (name, want) in &a {
        let Some(got) = value(&snap, name) else {
            return Err(Failure::wrong(format!("{setup}: the snapshot has no entry `{name}`. A snapshot holds every variable of the var store, by name.")));
        };
        if !same_bits(want, &got) {
            let moved = value(&b, name).is_some_and(|t| same_bits(&t, &got));
            let why = if moved {
                "it changed with them: it holds handles to the live variables (`shallow_clone`, or the tensors of `vs.variables()` themselves). \
                 Take copies, `t.detach().copy()`, so that later steps leave the snapshot alone."
            } else {
                "it does not hold the values the variables had when it was taken."
            };
            return Err(Failure::wrong(format!("{setup}; the snapshot's `{name}` is no longer the value it had: {why}")));
        }
    }
    let restored = format!(
        "{setup}, and restores a state holding the snapshot's {keep:?} plus `fc9.weight` and `head.bias`, which the model does not have"
    );
    for (name, _) in &a {
        let want = if keep.contains(name) { value(&a, name) } else { value(&b, name) };
        let (Some(want), Some(got)) = (want, value(&after, name)) else {
            return Err(Failure::wrong(format!("{restored}: afterwards the model has no variable `{name}`.")));
        };
        if !same_bits(&want, &got) {
            let why = if keep.contains(name) {
                "it should hold the snapshot's value again. `restore` copies each saved tensor into the variable of the same name, in place \
                 (`variable.copy_(saved)` under `tch::no_grad`): replacing the tensor in the map of `vs.variables()` does not reach the model."
            } else {
                "the state does not name it, so it must keep its value."
            };
            return Err(Failure::wrong(format!("{restored}: afterwards `{name}` is not right: {why}")));
        }
    }
    Ok(())
}

// BEGIN HIDDEN
/// A safetensors file of `weights` (f32) with string `metadata`, written by the safetensors crate itself.
fn checkpoint_file(weights: &[(String, Tensor)], metadata: &[(&str, String)]) -> Result<Vec<u8>, Failure> {
    use safetensors::tensor::{Dtype, TensorView};
    let encoded: Vec<(&str, Vec<usize>, Vec<u8>)> =
        weights.iter().map(|(n, t)| (n.as_str(), t.size().iter().map(|&d| d as usize).collect(), crate::checkpoint::raw(t))).collect();
    let mut views = Vec::new();
    for (name, shape, bytes) in &encoded {
        views.push((*name, TensorView::new(Dtype::F32, shape.clone(), bytes).map_err(|e| Failure::Grader(format!("{e:?}")))?));
    }
    let metadata: std::collections::HashMap<String, String> = metadata.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    safetensors::tensor::serialize(views, &Some(metadata)).map_err(|e| Failure::Grader(format!("{e:?}")))
}

/// What an exact training run gives: curves, best epoch and the weights of the best epoch.
struct Exact {
    curves: Curves,
    best_weights: Vec<(String, Tensor)>,
}

/// libtorch's MLP trained full-batch (one step per epoch) with `run`'s
/// optimiser and schedule, validated after each epoch, best epoch kept.
fn exact_run(run: &Run, weights: &[(String, Tensor)], data: &Split, device: Device) -> Exact {
    let model = oracle::TorchMlp::new(weights, 0.0, device);
    let mut optimizer = run.opt.build(&model.vs, run.lr, run.wd);
    let mut curves = Curves::default();
    let mut best: Option<(f64, Vec<(String, Tensor)>)> = None;
    for epoch in 1..=run.epochs {
        let (step_size, gamma) = run.schedule;
        let lr = if step_size > 0 { run.lr * gamma.powi(((epoch - 1) / step_size) as i32) } else { run.lr };
        optimizer.set_lr(lr);
        let loss = oracle::step(&model, &mut optimizer, &data.x_train, &data.y_train);
        let (val_loss, val_acc) = tch::no_grad(|| oracle::mlp_loss_acc(&model.weights(), &data.x_val, &data.y_val, device));
        curves.train_loss.push(loss);
        curves.val_loss.push(val_loss);
        curves.val_acc.push(val_acc);
        curves.lr.push(lr);
        if best.as_ref().map_or(!val_loss.is_nan(), |(b, _)| val_loss < *b) {
            best = Some((val_loss, model.weights().into_iter().map(|(n, t)| (n, t.copy())).collect()));
            curves.best_epoch = epoch;
        }
    }
    Exact { curves, best_weights: best.map(|b| b.1).unwrap_or_default() }
}

/// The first epoch where `got` is not within `tolerance` of `want`; the
/// largest error, as a share of the tolerance, goes to `dev check`'s calibration.
fn first_difference(ctx: &Ctx, want: &[f64], got: &[f64], tolerance: Tolerance) -> Option<usize> {
    for (&w, &g) in want.iter().zip(got) {
        ctx.note_tolerance_used((g - w).abs() / (tolerance.atol + tolerance.rtol * w.abs()));
    }
    want.iter().zip(got).position(|(&w, &g)| !tolerance.accepts(w, g))
}
// END HIDDEN

pub fn train_model_history(ctx: &mut Ctx) -> Result<(), Failure> {
    let tolerance = Tolerance { rtol: 1e-4, atol: 1e-6 };
    oracle::seed_torch(ctx);
    // 1. Learning rate 0: the weights never move, so every epoch's mean training
    //    loss over samples is the loss of the whole training set, whatever the
    //    shuffled batches are, and the validation curves are constant.
    let (x, y) = oracle::moons(200, 0.25);
    let data = oracle::split(&x, &y, 140);
    let weights = oracle::mlp_weights(2, 8, 2);
    let run = Run { spec: (2, 8, 2, 0.0), batch_size: 32, epochs: 3, lr: 0.0, opt: Opt::Sgd, wd: 0.0, schedule: (0, 1.0), seed: ctx.rng().random_range(0..1_000_000), checkpoint: false };
    let trained = train(ctx, &run, &weights, &data)?;
    let (train_loss, _) = oracle::mlp_loss_acc(&weights, &data.x_train, &data.y_train, ctx.device());
    let (val_loss, val_acc) = oracle::mlp_loss_acc(&weights, &data.x_val, &data.y_val, ctx.device());
    let what = "`train_model` at learning rate 0 (the weights never change) over 140 training samples in shuffled batches of 32 (the last has 12)";
    for (name, curve, want, why) in [
        ("train_loss", &trained.curves.train_loss, train_loss, "the mean over the epoch's samples of the batch losses, Σ (batch loss × batch size) / n, which is what `train_epoch` returns (not the plain mean of the batch losses, not the last batch's loss)"),
        ("val_loss", &trained.curves.val_loss, val_loss, "`evaluate`'s loss on the validation loader"),
        ("val_acc", &trained.curves.val_acc, val_acc, "`evaluate`'s accuracy on the validation loader"),
    ] {
        if let Some(e) = first_difference(ctx, &vec![want; curve.len()], curve, tolerance) {
            return Err(Failure::wrong(format!(
                "{what} recorded `{name}` = {} for epoch {}; expected {}. With unchanging weights every epoch's `{name}` is the same \
                 number: {why}.",
                num(curve[e]),
                e + 1,
                num(want)
            )));
        }
    }
    // Every epoch ties (bit for bit: same weights, same batches), and a tie is
    // no improvement: the best epoch stays the first.
    let curves = &trained.curves;
    if let Some((first, loss)) = curves.best() {
        if curves.best_epoch != first {
            let tied: Vec<String> = curves.val_loss.iter().enumerate().filter(|(_, &v)| v == loss).map(|(e, _)| (e + 1).to_string()).collect();
            return Err(Failure::wrong(format!(
                "{what} reported best_epoch = {}; epochs {} all have the lowest validation loss, {}, and the best epoch is the first of \
                 them, {first}. An epoch that only ties the best is no improvement (\"lower than every earlier one\"): compare with `<`, \
                 not `<=`.",
                curves.best_epoch,
                tied.join(", "),
                num(loss)
            )));
        }
    }
    // 2. Full-batch SGD with weight decay and a decaying StepLR: one step per
    //    epoch, the same in any order of the samples, so libtorch's own loop
    //    gives every number of the history.
    let (x, y) = oracle::moons(160, 0.25);
    let data = oracle::split(&x, &y, 100);
    let weights = oracle::mlp_weights(2, 8, 2);
    let run = Run { spec: (2, 8, 2, 0.0), batch_size: 100, epochs: 8, lr: 0.5, opt: Opt::Sgd, wd: 1e-3, schedule: (3, 0.5), seed: ctx.rng().random_range(0..1_000_000), checkpoint: false };
    let trained = train(ctx, &run, &weights, &data)?;
    let want = exact_run(&run, &weights, &data, ctx.device());
    let what = "`train_model` with SGD (lr 0.5, weight decay 1e-3, StepLR(3, 0.5)) for 8 epochs on 100 training samples in one batch";
    let got = &trained.curves;
    let rates = format!("the scheduled rates are {}", want.curves.lr.iter().map(|&r| num(r)).collect::<Vec<_>>().join(", "));
    let epsilon_acc = Tolerance { rtol: 0.0, atol: 1.0 / data.y_val.size()[0] as f64 + 1e-9 };
    let mut first: Option<(usize, &str, f64, f64)> = None;
    for (name, w, g, tol) in [
        ("lr", &want.curves.lr, &got.lr, Tolerance { rtol: 1e-12, atol: 0.0 }),
        ("train_loss", &want.curves.train_loss, &got.train_loss, tolerance),
        ("val_loss", &want.curves.val_loss, &got.val_loss, tolerance),
        ("val_acc", &want.curves.val_acc, &got.val_acc, epsilon_acc),
    ] {
        if let Some(e) = first_difference(ctx, w, g, tol) {
            if first.is_none_or(|(f, ..)| e < f) {
                first = Some((e, name, w[e], g[e]));
            }
        }
    }
    if let Some((e, name, w, g)) = first {
        let epoch = e + 1;
        let changed = e > 0 && want.curves.lr[e] != want.curves.lr[e - 1];
        let why = match name {
            "lr" => format!("Record the rate each epoch trains with, `schedule.lr_at(lr, epoch)` for epochs counted from 1 ({rates})."),
            _ if changed => format!(
                "Epoch {epoch} is the first with a new learning rate ({rates}): the optimiser must train each epoch at the scheduled \
                 rate, `optimizer.set_lr(rate)` before the epoch's steps, not only record it."
            ),
            "train_loss" => "The training loss of an epoch is `train_epoch`'s return value: the loss of each batch before its step, \
                 averaged over samples. With one batch it is the loss before that epoch's step."
                .to_string(),
            _ => "The validation loss and accuracy of an epoch are `evaluate`'s on the validation loader after that epoch's training, \
                 in evaluation mode. Earlier epochs matched, so the order of the steps or the weights trained with differ from here on \
                 (the optimiser, its learning rate or weight decay from the config, or gradients left over from an earlier step without \
                 `zero_grad`?)."
                .to_string(),
        };
        return Err(Failure::wrong(format!(
            "{what} recorded `{name}` = {} for epoch {epoch}; libtorch's own loop gives {} (every earlier entry matched). {why}",
            num(g),
            num(w)
        )));
    }
    let tie = want.curves.val_loss.iter().filter(|&&v| (v - want.curves.val_loss[(want.curves.best_epoch - 1) as usize]).abs() <= 1e-4 * v.abs()).count() > 1;
    if got.best_epoch != want.curves.best_epoch && !tie {
        return Err(Failure::wrong(format!(
            "{what} reported best_epoch = {}; the lowest validation loss of the run is at epoch {} (epochs count from 1).",
            got.best_epoch, want.curves.best_epoch
        )));
    }
    if !tie {
        for (name, w) in &want.best_weights {
            let Some((_, g)) = trained.weights.iter().find(|(n, _)| n == name) else {
                return Err(Failure::wrong(format!("{what}: the model has no variable `{name}` afterwards.")));
            };
            let close = Tolerance { rtol: 1e-4, atol: 1e-5 };
            let diff = (w.to_kind(Kind::Double) - g.to_kind(Kind::Double)).abs().max().double_value(&[]);
            if !(diff <= close.atol + close.rtol * w.abs().max().double_value(&[])) {
                return Err(Failure::wrong(format!(
                    "{what}: after training, `{name}` differs from its value at the best epoch {} by up to {}: restore the snapshot of \
                     the best epoch after the last one.",
                    want.curves.best_epoch,
                    num(diff)
                )));
            }
        }
    }
    Ok(())
}

pub fn checkpoint_reader(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c) = (2i64, 8i64, 3i64);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let epoch = ctx.rng().random_range(1..500i64);
    let val_loss = ctx.rng().random_range(1_000_000..900_000_000i64) as f64 / 1e9;
    let val_acc = ctx.rng().random_range(1..=64i64) as f64 / 64.0;
    let seed = ctx.rng().random_range(0..i64::MAX);
    let meta = |skip: &str, epoch_text: String| -> Vec<(&'static str, String)> {
        [("epoch", epoch_text), ("val_loss", val_loss.to_string()), ("val_acc", val_acc.to_string()), ("seed", seed.to_string())]
            .into_iter()
            .filter(|(k, _)| *k != skip)
            .collect()
    };
    let load = |ctx: &mut Ctx, file: Vec<u8>| wire::call(ctx, "load_checkpoint", vec![d.into(), h.into(), c.into(), 0.0.into(), Value::arg(&Tensor::from_slice(&file))]);
    // A complete file written by another program (the safetensors crate).
    let file = checkpoint_file(&weights, &meta("", epoch.to_string()))?;
    let what = format!("`load_checkpoint` of a file written by the safetensors crate (epoch {epoch}, val_loss {val_loss}, val_acc {val_acc}, seed {seed})");
    let out = load(ctx, file)?.map_err(|e| Failure::wrong(format!("{what} returned `Err({})`: \"{}\". It should read it.", e.kind, e.message)))?;
    let got = (int(at(&out, 0)?)?, float(at(&out, 1)?)?, float(at(&out, 2)?)?, int(at(&out, 3)?)?);
    if got != (epoch, val_loss, val_acc, seed) {
        return Err(Failure::wrong(format!(
            "{what} returned epoch {}, val_loss {}, val_acc {}, seed {}. Parse each metadata string back into its type.",
            got.0, got.1, got.2, got.3
        )));
    }
    bit_exact(&format!("After {what}, the model"), &weights, &named(at(&out, 4)?)?)
        .map_err(|m| Failure::wrong(format!("{m}. Copy each stored tensor into the variable of the same name.")))?;
    // Incomplete or unreadable files are errors, not silent defaults.
    let missing = &weights[ctx.rng().random_range(0..weights.len())].0;
    let partial: Vec<(String, Tensor)> = weights.iter().filter(|(n, _)| n != missing).map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
    let key = ["epoch", "val_loss", "val_acc", "seed"][ctx.rng().random_range(0..4usize)];
    let cases = [
        (format!("a file without the tensor `{missing}`"), checkpoint_file(&partial, &meta("", epoch.to_string()))?, "the model keeps a variable the file cannot fill: fail (`CheckpointError::MissingTensor`)"),
        (format!("a file without the metadata key `{key}`"), checkpoint_file(&weights, &meta(key, epoch.to_string()))?, "fail (`CheckpointError::Metadata`) rather than invent a value"),
        ("a file whose `epoch` is \"seven\"".to_string(), checkpoint_file(&weights, &meta("", "seven".into()))?, "a value that does not parse is an error (`CheckpointError::Metadata`), not a default"),
    ];
    for (case, file, what_to_do) in cases {
        if let Ok(_values) = load(ctx, file)? {
            return Err(Failure::wrong(format!("`load_checkpoint` of {case} returned `Ok`: {what_to_do}.")));
        }
    }
    Ok(())
}
