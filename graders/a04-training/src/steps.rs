//! Exercises 14–17: single optimisation steps against `nn::Sgd` and
//! `nn::Adam`, one epoch, evaluation and the StepLR schedule. The model is
//! built from the grader's weights, so every number is reproducible exactly.

use crate::oracle::{self, Opt, TorchMlp};
use crate::wire::{self, at, float, floats, list, named, weights_arg};
use gradwork::compare::{compare_scalar, num, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

fn spec_args(spec: (i64, i64, i64, f64), weights: &[(String, Tensor)]) -> Vec<Value> {
    vec![spec.0.into(), spec.1.into(), spec.2.into(), spec.3.into(), weights_arg(weights)]
}

/// The tolerance for losses (f64 numbers computed in f32): the rubric's, else float32-sized.
fn tolerance(ctx: &Ctx) -> Tolerance {
    ctx.spec().tolerance().unwrap_or(Tolerance { rtol: 1e-5, atol: 1e-6 })
}

fn batch(ctx: &mut Ctx, n: i64, d: i64, classes: i64) -> (Tensor, Tensor) {
    let x = Tensor::randn([n, d], (Kind::Float, Device::Cpu));
    let labels: Vec<i64> = (0..n).map(|_| ctx.rng().random_range(0..classes)).collect();
    (x, Tensor::from_slice(&labels))
}

/// Compares two sets of named weights; the message names the first variable that differs.
fn compare_weights(ctx: &Ctx, what: &str, want: &[(String, Tensor)], got: &[(String, Tensor)]) -> Result<(), Failure> {
    for (name, w) in want {
        let Some((_, g)) = got.iter().find(|(n, _)| n == name) else {
            return Err(Failure::wrong(format!("{what}: the model has no variable `{name}`.")));
        };
        ctx.compare(&format!("{what}: `{name}`"), w, g)?;
    }
    Ok(())
}

fn steps_check(ctx: &mut Ctx, opt: Opt, lr: f64, wd: f64, hint: &str) -> Result<(), Failure> {
    let (d, h, c) = (2i64, 8i64, 3i64);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let batches: Vec<(Tensor, Tensor)> = (0..3).map(|_| batch(ctx, 6, d, c)).collect();
    let mut args = spec_args((d, h, c, 0.0), &weights);
    args.extend([opt.name().into(), lr.into(), wd.into()]);
    args.push(Value::List(batches.iter().map(|(x, y)| Value::List(vec![Value::arg(x), Value::arg(y)])).collect()));
    let out = ctx.call("optimizer_steps", args)?;
    let losses = floats(at(&out, 0)?)?;
    let after = list(at(&out, 1)?)?;
    let model = TorchMlp::new(&weights, 0.0, ctx.device());
    let mut optimizer = opt.build(&model.vs, lr, wd);
    let kind = if opt == Opt::Sgd { "OptimizerKind::Sgd" } else { "OptimizerKind::Adam" };
    let setup = format!("`make_optimizer(vs, {kind}, {lr}, {wd})` and `train_step`");
    for (i, (x, y)) in batches.iter().enumerate() {
        let want_loss = oracle::step(&model, &mut optimizer, x, y);
        let got_loss = losses.get(i).copied().unwrap_or(f64::NAN);
        compare_scalar(&format!("{setup}: the loss returned by step {}", i + 1), want_loss, got_loss, tolerance(ctx)).map_err(|m| {
            Failure::wrong(format!("{m}. `train_step` returns the batch's mean cross-entropy in training mode, computed before the step."))
        })?;
        let got = named(wire::at(after, i)?)?;
        compare_weights(ctx, &format!("{setup}: after step {} the weights", i + 1), &model.weights(), &got).map_err(|f| match f {
            Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\n{}", step_hint(i, hint))),
            other => other,
        })?;
    }
    Ok(())
}

fn step_hint(step: usize, hint: &str) -> String {
    if step == 0 {
        hint.to_string()
    } else {
        format!(
            "The first {step} step(s) matched, so the update itself is right: gradients are probably accumulating across steps. \
             Call `optimizer.zero_grad()` before each `backward()`."
        )
    }
}

pub fn sgd_steps(ctx: &mut Ctx) -> Result<(), Failure> {
    steps_check(
        ctx,
        Opt::Sgd,
        0.1,
        0.01,
        "libtorch's SGD updates w ← w − lr·(∇w + wd·w). Build it with `nn::Sgd { wd: weight_decay, ..Default::default() }.build(vs, lr)` \
         (no momentum), and step in the order zero_grad → forward (training mode) → cross-entropy → backward → step.",
    )
}

pub fn adam_steps(ctx: &mut Ctx) -> Result<(), Failure> {
    steps_check(
        ctx,
        Opt::Adam,
        0.01,
        0.05,
        "libtorch's `nn::Adam` adds wd·w to the gradient before its moment estimates (coupled L2, like PyTorch's `Adam(weight_decay=..)`); \
         `nn::AdamW` instead decays the weights directly, which gives different numbers. Use `nn::Adam { wd: weight_decay, ..Default::default() }` \
         with the default betas and eps.",
    )
}

/// The means a loop can take over per-batch values: over samples (right),
/// over batches, or over the full batches only (the last one dropped).
struct Means {
    samples: f64,
    batches: f64,
    full_batches: f64,
}

fn means(values: &[f64], sizes: &[i64]) -> Means {
    let weighted = |k: usize| {
        let total: f64 = values[..k].iter().zip(sizes).map(|(v, &s)| v * s as f64).sum();
        total / sizes[..k].iter().sum::<i64>().max(1) as f64
    };
    let full = sizes.iter().take_while(|&&s| s == sizes[0]).count();
    Means { samples: weighted(values.len()), batches: values.iter().sum::<f64>() / values.len().max(1) as f64, full_batches: weighted(full) }
}

/// Why a loss averaged over a loader's batches is off, when one of the usual mistakes explains it.
fn diagnose(got: f64, m: &Means, tolerance: Tolerance) -> Option<&'static str> {
    if tolerance.accepts(m.batches, got) {
        Some(
            "That is the plain mean of the batch losses, which gives the small last batch as much weight as a full one. \
             Average over samples: Σ (batch loss × batch size) / number of samples.",
        )
    } else if tolerance.accepts(m.full_batches, got) {
        Some("That is the mean over the full batches only: the last, smaller batch was left out. Every sample counts, in every epoch.")
    } else {
        None
    }
}

fn sizes(n: i64, batch_size: i64) -> Vec<i64> {
    (0..n).step_by(batch_size as usize).map(|start| batch_size.min(n - start)).collect()
}

pub fn train_epoch(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c) = (2i64, 8i64, 2i64);
    let (n, batch_size, lr) = (50i64, 16i64, 0.1);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let (x, y) = batch(ctx, n, d, c);
    let mut args = spec_args((d, h, c, 0.0), &weights);
    args.extend([Value::arg(&x), Value::arg(&y), batch_size.into(), lr.into()]);
    let out = ctx.call("train_epoch", args)?;
    let model = TorchMlp::new(&weights, 0.0, ctx.device());
    let mut optimizer = Opt::Sgd.build(&model.vs, lr, 0.0);
    let sizes = sizes(n, batch_size);
    let mut losses = Vec::new();
    let mut start = 0;
    for &size in &sizes {
        losses.push(oracle::step(&model, &mut optimizer, &x.narrow(0, start, size), &y.narrow(0, start, size)));
        start += size;
    }
    let m = means(&losses, &sizes);
    let what = format!("`train_epoch` over {n} samples in unshuffled batches of {batch_size} (the last has {}), plain SGD at lr {lr}", n % batch_size);
    let got = float(at(&out, 0)?)?;
    compare_scalar(&format!("{what}: the returned loss"), m.samples, got, tolerance(ctx)).map_err(|msg| {
        let why = diagnose(got, &m, tolerance(ctx)).unwrap_or(
            "It is the mean over samples of each batch's loss before its step. The losses of later batches depend on the earlier \
             steps: if a step is skipped or the gradients accumulate (no `zero_grad`), they change too.",
        );
        Failure::wrong(format!("{msg}. {why}"))
    })?;
    compare_weights(ctx, &format!("{what}: the weights after the epoch"), &model.weights(), &named(at(&out, 1)?)?).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nOne epoch is one `train_step` per batch of the loader, every batch including the last, smaller one.")),
        other => other,
    })
}

pub fn evaluate(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c, p) = (2i64, 16i64, 3i64, 0.5);
    let (n, batch_size) = (70i64, 32i64);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let (x, y) = batch(ctx, n, d, c);
    let mut args = spec_args((d, h, c, p), &weights);
    args.extend([Value::arg(&x), Value::arg(&y), batch_size.into()]);
    let out = ctx.call("evaluate", args)?;
    let sizes = sizes(n, batch_size);
    let (mut losses, mut accs, mut start) = (Vec::new(), Vec::new(), 0);
    for &size in &sizes {
        let (l, a) = oracle::mlp_loss_acc(&weights, &x.narrow(0, start, size), &y.narrow(0, start, size), ctx.device());
        losses.push(l);
        accs.push(a);
        start += size;
    }
    let what = format!("`evaluate` of an MLP with dropout {p} over {n} samples in batches of {batch_size} (the last has {})", n % batch_size);
    let dropout = "Evaluate in evaluation mode: `forward_t(x, false)`, where dropout does nothing and the result is deterministic. \
        With `train = true`, half of the hidden units are dropped at random and the loss is noisy.";
    for (name, values, got, tol) in [
        ("loss", &losses, float(at(&out, 0)?)?, tolerance(ctx)),
        ("accuracy", &accs, float(at(&out, 1)?)?, Tolerance { rtol: 0.0, atol: 1e-6 }),
    ] {
        let m = means(values, &sizes);
        compare_scalar(&format!("{what}: the {name}"), m.samples, got, tol)
            .map_err(|msg| Failure::wrong(format!("{msg}. {}", diagnose(got, &m, tol).unwrap_or(dropout))))?;
    }
    Ok(())
}

pub fn train_step_dropout(ctx: &mut Ctx) -> Result<(), Failure> {
    // At learning rate 0 the weights never move, so every step sees the same
    // model and batch: in training mode dropout draws a new mask each time
    // and the losses differ; in evaluation mode all equal the eval loss.
    let (d, h, c, p) = (2i64, 16i64, 3i64, 0.5);
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let (x, y) = batch(ctx, 32, d, c);
    let steps = 6;
    let mut args = spec_args((d, h, c, p), &weights);
    args.extend(["sgd".into(), 0.0.into(), 0.0.into()]);
    args.push(Value::List((0..steps).map(|_| Value::List(vec![Value::arg(&x), Value::arg(&y)])).collect()));
    let out = ctx.call("optimizer_steps", args)?;
    let losses = floats(at(&out, 0)?)?;
    let (eval_loss, _) = oracle::mlp_loss_acc(&weights, &x, &y, ctx.device());
    let what = format!("{steps} `train_step` calls on one batch with an MLP of dropout {p} (SGD at lr 0, so the weights stay put)");
    if losses.len() != steps {
        return Err(Failure::wrong(format!("{what} returned {} losses; expected one per step.", losses.len())));
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1e-6);
    let shown = losses.iter().map(|&l| num((l * 1e5).round() / 1e5)).collect::<Vec<_>>().join(", ");
    if losses.iter().all(|&l| same(l, eval_loss)) {
        return Err(Failure::wrong(format!(
            "{what} all returned {}, the loss of the model in evaluation mode: dropout was off. A training step runs the model in \
             training mode, `forward_t(x, true)`, so that dropout drops hidden units while it learns (and evaluation turns it off).",
            num(eval_loss)
        )));
    }
    if losses.iter().all(|&l| same(l, losses[0])) {
        return Err(Failure::wrong(format!(
            "{what} all returned the same loss, {}: in training mode every forward pass draws a new dropout mask, so the losses of \
             repeated steps differ. Run the model with `forward_t(x, true)` on every step.",
            num(losses[0])
        )));
    }
    if losses.iter().any(|l| !l.is_finite()) {
        return Err(Failure::wrong(format!("{what} returned the losses [{shown}]: every loss must be a finite cross-entropy.")));
    }
    Ok(())
}

pub fn zero_samples(ctx: &mut Ctx) -> Result<(), Failure> {
    // A mean over no samples is 0 / 0 = NaN, as the handout says: not 0 (a
    // perfect score), not a panic.
    let nan = "The mean over no samples is 0 / 0, NaN (`f64::NAN`), like libtorch's `mean` of an empty tensor: a 0 would read \
        as a perfect loss or a real accuracy. Divide by the number of samples as it is (no `.max(1)`), and do not index a batch that is not there.";
    let (d, h, c) = (2i64, 8i64, 2i64);
    let logits = Tensor::zeros([0, 3], (Kind::Float, Device::Cpu));
    let labels = Tensor::zeros([0], (Kind::Int64, Device::Cpu));
    let acc = float(at(&ctx.call("accuracy_from_logits", vec![Value::arg(&logits), Value::arg(&labels)])?, 0)?)?;
    if !acc.is_nan() {
        return Err(Failure::wrong(format!("`accuracy_from_logits` of logits of shape [0, 3] and no labels returned {}; expected NaN. {nan}", num(acc))));
    }
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let x = Tensor::zeros([0, d], (Kind::Float, Device::Cpu));
    let batch_size = ctx.rng().random_range(1..8i64);
    let mut args = spec_args((d, h, c, 0.0), &weights);
    args.extend([Value::arg(&x), Value::arg(&labels), batch_size.into(), 0.1.into()]);
    let out = ctx.call("train_epoch", args)?;
    let loss = float(at(&out, 0)?)?;
    if !loss.is_nan() {
        return Err(Failure::wrong(format!("`train_epoch` over a loader of no samples returned {}; expected NaN. {nan}", num(loss))));
    }
    compare_weights(ctx, "After `train_epoch` over a loader of no samples the weights", &weights, &named(at(&out, 1)?)?).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nWith no batch there is no step: the weights stay as they were.")),
        other => other,
    })?;
    let mut args = spec_args((d, h, c, 0.0), &weights);
    args.extend([Value::arg(&x), Value::arg(&labels), batch_size.into()]);
    let out = ctx.call("evaluate", args)?;
    let (loss, acc) = (float(at(&out, 0)?)?, float(at(&out, 1)?)?);
    if !(loss.is_nan() && acc.is_nan()) {
        return Err(Failure::wrong(format!("`evaluate` over a loader of no samples returned ({}, {}); expected (NaN, NaN). {nan}", num(loss), num(acc))));
    }
    Ok(())
}

pub fn step_lr(ctx: &mut Ctx) -> Result<(), Failure> {
    for (step_size, gamma, base, epochs) in [(3i64, 0.5, 0.1, 10i64), (100, 0.5, 5e-3, 301), (1, 0.9, 1.0, 5)] {
        let got = floats(at(&ctx.call("step_lr", vec![step_size.into(), gamma.into(), base.into(), epochs.into()])?, 0)?)?;
        let want: Vec<f64> = (1..=epochs).map(|e| base * gamma.powi(((e - 1) / step_size) as i32)).collect();
        for (e, (w, g)) in want.iter().zip(&got).enumerate() {
            if !(Tolerance { rtol: 1e-12, atol: 0.0 }).accepts(*w, *g) {
                return Err(Failure::wrong(format!(
                    "`StepLr {{ step_size: {step_size}, gamma: {gamma} }}.lr_at({base}, {})` returned {}; expected {}. Epochs count from 1: \
                     epochs 1 to {step_size} use the base rate, the next {step_size} use base · gamma, and so on.",
                    e + 1,
                    num(*g),
                    num(*w)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{diagnose, means, sizes};
    use gradwork::compare::Tolerance;

    #[test]
    fn batch_means_tell_the_usual_mistakes_apart() {
        let sizes = sizes(50, 16);
        assert_eq!(sizes, [16, 16, 16, 2]);
        let m = means(&[1.0, 2.0, 3.0, 10.0], &sizes);
        assert!((m.samples - (16.0 + 32.0 + 48.0 + 20.0) / 50.0).abs() < 1e-12);
        assert!((m.batches - 4.0).abs() < 1e-12);
        assert!((m.full_batches - 2.0).abs() < 1e-12);
        let tol = Tolerance { rtol: 1e-5, atol: 1e-6 };
        assert!(diagnose(4.0, &m, tol).is_some_and(|t| t.contains("plain mean")));
        assert!(diagnose(2.0, &m, tol).is_some_and(|t| t.contains("left out")));
        assert!(diagnose(3.0, &m, tol).is_none());
    }
}
