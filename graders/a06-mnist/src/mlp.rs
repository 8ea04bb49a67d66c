//! Exercises 3–7: the split, the MLP's forward pass against libtorch on the
//! same weights, evaluation, and optimisation steps against `nn::Sgd` and
//! `nn::Adam`.

use crate::numbers;
use gradwork::outputs;
use gradwork::compare::num;
use gradwork::leakage::split_integrity;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Six f32 weight tensors of an MLP for `pixels` inputs, PyTorch's default
/// U(−1/√fan_in, 1/√fan_in), from the check's RNG.
pub fn random_weights(rng: &mut impl Rng, pixels: i64) -> Vec<Tensor> {
    let shapes: [(&[i64], i64); 6] = [(&[256, pixels], pixels), (&[256], pixels), (&[256, 256], 256), (&[256], 256), (&[10, 256], 256), (&[10], 256)];
    shapes
        .iter()
        .map(|(shape, fan_in)| {
            let bound = 1.0 / (*fan_in as f64).sqrt();
            let n: i64 = shape.iter().product();
            let v: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound) as f32).collect();
            Tensor::from_slice(&v).view(*shape)
        })
        .collect()
}

/// The weights as call arguments, followed by `rest`.
pub fn args(weights: &[Tensor], rest: Vec<Value>) -> Vec<Value> {
    weights.iter().map(Value::arg).chain(rest).collect()
}

/// libtorch's MLP logits for images (n, rows, cols).
pub fn forward(weights: &[Tensor], x: &Tensor) -> Tensor {
    x.flatten(1, -1)
        .linear(&weights[0], Some(&weights[1]))
        .relu()
        .linear(&weights[2], Some(&weights[3]))
        .relu()
        .linear(&weights[4], Some(&weights[5]))
}

/// Random images (n, rows, cols) in [0, 1].
fn images(ctx: &mut Ctx, n: i64, rows: i64, cols: i64) -> Tensor {
    let v: Vec<f32> = (0..n * rows * cols).map(|_| ctx.rng().random_range(0.0f32..1.0)).collect();
    Tensor::from_slice(&v).view([n, rows, cols])
}

fn labels(ctx: &mut Ctx, n: i64) -> Tensor {
    let v: Vec<i64> = (0..n).map(|_| ctx.rng().random_range(0..10)).collect();
    Tensor::from_slice(&v)
}

pub fn mlp_forward(ctx: &mut Ctx) -> Result<(), Failure> {
    for (n, side) in [(5i64, 8i64), (3, 28)] {
        let w = random_weights(ctx.rng(), side * side);
        let x = images(ctx, n, side, side);
        let got = ctx.call_tensor("forward", args(&w, vec![Value::arg(&x)]))?;
        let want = forward(&w, &x);
        ctx.compare(&format!("`model.forward(x)` (the logits) for {n} images of {side}×{side}"), &want, &got)?;
    }
    Ok(())
}

pub fn split(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    for n in [1500i64, ctx.rng().random_range(11..500)] {
        let call = |ctx: &mut Ctx, seed: i64| -> Result<(Vec<i64>, Vec<i64>), Failure> {
            let out = ctx.call("split_train_val", vec![n.into(), seed.into()])?;
            let [train, val] = out.as_slice() else {
                return Err(Failure::Grader("the runner sent the wrong outputs for split_train_val".into()));
            };
            Ok((outputs::ints(train, "train")?, outputs::ints(val, "val")?))
        };
        let (train, val) = call(ctx, seed)?;
        let sizes = [(n - n / 10) as usize, (n / 10) as usize];
        split_integrity(n as usize, &[("train", train.clone()), ("val", val.clone())], Some(&sizes)).map_err(|f| match f {
            Failure::Wrong(m) => Failure::Wrong(format!("The split of `split_train_val({n}, {seed})` is wrong. {m}")),
            other => other,
        })?;
        if call(ctx, seed)? != (train.clone(), val.clone()) {
            return Err(Failure::wrong(format!(
                "`split_train_val({n}, {seed})` gave a different split when called again with the same seed: seed \
                 libtorch with `tch::manual_seed(seed)` right before drawing the permutation."
            )));
        }
        if call(ctx, seed + 1)? == (train.clone(), val) {
            return Err(Failure::wrong(format!(
                "`split_train_val({n}, {seed})` and `split_train_val({n}, {})` gave the same split: the seed must \
                 change the shuffle.",
                seed + 1
            )));
        }
        if train.windows(2).all(|w| w[0] < w[1]) {
            return Err(Failure::wrong(format!(
                "The training indices of `split_train_val({n}, {seed})` are in increasing order: the split is not \
                 shuffled. Cut a random permutation of 0..n."
            )));
        }
    }
    Ok(())
}

pub fn evaluate(ctx: &mut Ctx) -> Result<(), Failure> {
    // 103 samples in batches of 32: the last batch holds 7.
    check_evaluate(ctx, 103, 32, 8)
}

/// The batch sizes `evaluate(model, x, y, batch)` goes through for n samples, as words.
fn batches_of(n: i64, batch: i64) -> String {
    let full = n / batch;
    let rest = n % batch;
    let mut parts: Vec<String> = (0..full.min(3)).map(|_| batch.to_string()).collect();
    if full > 3 {
        parts.push(format!("… ({full} of {batch})"));
    }
    if rest > 0 {
        parts.push(rest.to_string());
    }
    match parts.len() {
        0 => "no batches at all".into(),
        1 => format!("one batch of {}", parts[0]),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("batches of {} and {last}", parts.join(", "))
        }
    }
}

/// `evaluate` on `n` random images of side×side in batches of `batch`,
/// against libtorch over all samples at once; `(0.0, 0.0)` for no samples.
fn check_evaluate(ctx: &mut Ctx, n: i64, batch: i64, side: i64) -> Result<(), Failure> {
    let w = random_weights(ctx.rng(), side * side);
    let (x, y) = (images(ctx, n, side, side), labels(ctx, n));
    let out = ctx.call("evaluate", args(&w, vec![Value::arg(&x), Value::arg(&y), batch.into()]))?;
    let [loss, accuracy] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for evaluate".into()));
    };
    let (loss, accuracy) = (numbers::float(loss, "the loss")?, numbers::float(accuracy, "the accuracy")?);
    let images = if side == 8 { String::new() } else { format!(" of {side}×{side}") };
    let what = format!("`evaluate(model, x, y, {batch})` over {n} samples{images} ({})", batches_of(n, batch));
    if n == 0 {
        if loss == 0.0 && accuracy == 0.0 {
            return Ok(());
        }
        return Err(Failure::wrong(format!(
            "{what} returned loss {} and accuracy {}; with no samples there is nothing to average, and the handout \
             asks for (0.0, 0.0). Dividing by zero samples gives NaN: divide by n only when n > 0.",
            num(loss),
            num(accuracy)
        )));
    }
    let logits = forward(&w, &x);
    let want_loss = logits.cross_entropy_for_logits(&y).double_value(&[]);
    let want_accuracy = logits.argmax(-1, false).eq_tensor(&y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]);
    if (accuracy - want_accuracy).abs() > 1e-9 {
        return Err(Failure::wrong(format!(
            "{what} returned accuracy {}, expected {}: the fraction of all {n} samples whose largest logit is at the \
             label. Count correct predictions over the batches and divide by {n} at the end.",
            num(accuracy),
            num(want_accuracy)
        )));
    }
    if (loss - want_loss).abs() > 1e-5 * want_loss.abs().max(1.0) {
        let count = (n + batch - 1) / batch;
        let batch_means: Vec<f64> = (0..count)
            .map(|b| {
                let len = batch.min(n - b * batch);
                logits.narrow(0, b * batch, len).cross_entropy_for_logits(&y.narrow(0, b * batch, len)).double_value(&[])
            })
            .collect();
        let mean_of_means = batch_means.iter().sum::<f64>() / count as f64;
        let why = if (loss - mean_of_means).abs() < 1e-5 {
            format!(
                " You averaged the {count} batch means, so the last batch of {} counts as much as a full one: weight \
                 each batch's mean loss by its size (or sum the per-sample losses) and divide by the number of samples.",
                n - (count - 1) * batch
            )
        } else {
            " It is the mean cross-entropy over all samples.".to_string()
        };
        return Err(Failure::wrong(format!("{what} returned loss {}, expected {}.{why}", num(loss), num(want_loss))));
    }
    Ok(())
}

/// The oracle's weights after `steps` steps of `optimizer` on the batches `(xs[k], ys[k])`, and the losses.
fn oracle_steps(weights: &[Tensor], kind: &str, lr: f64, xs: &Tensor, ys: &Tensor) -> Result<(Vec<Tensor>, Vec<f64>), Failure> {
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let pixels = weights[0].size()[1];
    let layers = [
        nn::linear(&root / "fc1", pixels, 256, Default::default()),
        nn::linear(&root / "fc2", 256, 256, Default::default()),
        nn::linear(&root / "fc3", 256, 10, Default::default()),
    ];
    let mut layers = layers;
    tch::no_grad(|| {
        for (i, layer) in layers.iter_mut().enumerate() {
            layer.ws.copy_(&weights[2 * i]);
            if let Some(bs) = layer.bs.as_mut() {
                bs.copy_(&weights[2 * i + 1]);
            }
        }
    });
    let built = match kind {
        "sgd" => nn::Sgd::default().build(&vs, lr),
        _ => nn::Adam::default().build(&vs, lr),
    };
    let mut optimizer = built.map_err(|e| Failure::Grader(format!("cannot build the oracle optimiser: {e}")))?;
    let mut losses = Vec::new();
    for k in 0..xs.size()[0] {
        let h = xs.get(k).flatten(1, -1);
        let logits = layers[2].forward(&layers[1].forward(&layers[0].forward(&h).relu()).relu());
        let loss = logits.cross_entropy_for_logits(&ys.get(k));
        optimizer.backward_step(&loss);
        losses.push(loss.double_value(&[]));
    }
    let mut out = Vec::new();
    for layer in &layers {
        out.push(layer.ws.detach());
        out.push(layer.bs.as_ref().map(|b| b.detach()).unwrap_or_else(|| Tensor::zeros([0], (Kind::Float, Device::Cpu))));
    }
    Ok((out, losses))
}

const NAMES: [&str; 6] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"];

fn check_steps(ctx: &mut Ctx, kind: &str, lr: f64, steps: i64) -> Result<(), Failure> {
    check_steps_sized(ctx, kind, lr, steps, 16, 8)
}

/// `steps` calls of `train_step` on batches of `batch` images of side×side.
fn check_steps_sized(ctx: &mut Ctx, kind: &str, lr: f64, steps: i64, batch: i64, side: i64) -> Result<(), Failure> {
    let w = random_weights(ctx.rng(), side * side);
    let xs = images(ctx, steps * batch, side, side).view([steps, batch, side, side]);
    let ys = labels(ctx, steps * batch).view([steps, batch]);
    let out = ctx.call("train_steps", args(&w, vec![kind.into(), lr.into(), Value::arg(&xs), Value::arg(&ys)]))?;
    if out.len() != 7 {
        return Err(Failure::Grader("the runner sent the wrong outputs for train_steps".into()));
    }
    let (want, want_losses) = oracle_steps(&w, kind, lr, &xs, &ys)?;
    let name = if kind == "sgd" { "SGD" } else { "Adam" };
    let losses = numbers::floats(&out[6], "the losses")?;
    for (k, (got, want)) in losses.iter().zip(&want_losses).enumerate() {
        if (got - want).abs() > 1e-5 * want.abs().max(1.0) {
            return Err(Failure::wrong(format!(
                "`train_step` number {} with {name} returned loss {}, expected {}: the mean cross-entropy of the \
                 batch's logits, computed before the step. (If `mlp-forward` fails too, fix the forward pass first.)",
                k + 1,
                num(*got),
                num(*want)
            )));
        }
    }
    for (i, value) in out[..6].iter().enumerate() {
        let got = outputs::tensor(value, NAMES[i])?;
        let what = format!(
            "`{}` after {steps} step(s) of `train_step` with {name} (lr {}, batches of {batch} images of {side}×{side})",
            NAMES[i],
            num(lr)
        );
        ctx.compare(&what, &want[i], &got)?;
    }
    Ok(())
}

pub fn step_sgd(ctx: &mut Ctx) -> Result<(), Failure> {
    check_steps(ctx, "sgd", 0.1, 1)
}

pub fn step_adam(ctx: &mut Ctx) -> Result<(), Failure> {
    check_steps(ctx, "adam", 1e-3, 3)
}

pub fn step_settings(ctx: &mut Ctx) -> Result<(), Failure> {
    // Other learning rates, more SGD steps (momentum or gradients that pile
    // up show only from the second step on), other batch sizes and 28×28.
    let sgd_lr = ctx.rng().random_range(0.02..0.5);
    let batch = ctx.rng().random_range(3..40);
    check_steps_sized(ctx, "sgd", sgd_lr, 3, batch, 8)?;
    let adam_lr = ctx.rng().random_range(2e-4..1e-2);
    let batch = ctx.rng().random_range(3..12);
    check_steps_sized(ctx, "adam", adam_lr, 2, batch, 28)
}

pub fn mlp_forward_shapes(ctx: &mut Ctx) -> Result<(), Failure> {
    // One image, and images whose rows and columns differ.
    let rows = ctx.rng().random_range(3..12);
    let cols = rows + ctx.rng().random_range(1..6);
    let n = ctx.rng().random_range(2..9);
    for (n, rows, cols) in [(1i64, 8i64, 8i64), (n, rows, cols), (1, 28, 28)] {
        let w = random_weights(ctx.rng(), rows * cols);
        let x = images(ctx, n, rows, cols);
        let got = ctx.call_tensor("forward", args(&w, vec![Value::arg(&x)]))?;
        let want = forward(&w, &x);
        let images = if n == 1 { "one image".to_string() } else { format!("{n} images") };
        ctx.compare(&format!("`model.forward(x)` (the logits) for {images} of {rows} rows × {cols} columns"), &want, &got)?;
    }
    Ok(())
}

pub fn split_exact(ctx: &mut Ctx) -> Result<(), Failure> {
    // Every n from 1 to 12 (an empty validation part below 10), then n drawn
    // from the seed, against the permutation the handout names.
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let mut sizes: Vec<i64> = (1..=12).collect();
    sizes.extend((0..6).map(|_| ctx.rng().random_range(13..3000i64)));
    for n in sizes {
        let out = ctx.call("split_train_val", vec![n.into(), seed.into()])?;
        let [train, val] = out.as_slice() else {
            return Err(Failure::Grader("the runner sent the wrong outputs for split_train_val".into()));
        };
        let (train, val) = (outputs::ints(train, "train")?, outputs::ints(val, "val")?);
        gradwork::torch_rng::manual_seed(seed);
        let order: Vec<i64> = Vec::try_from(&Tensor::randperm(n, (Kind::Int64, Device::Cpu))).unwrap_or_default();
        let n_val = (n / 10) as usize;
        if val == order[..n_val] && train == order[n_val..] {
            continue;
        }
        let head = |v: &[i64]| {
            let shown: Vec<String> = v.iter().take(6).map(|i| i.to_string()).collect();
            format!("[{}{}]", shown.join(", "), if v.len() > 6 { ", …" } else { "" })
        };
        let how = if val == order[order.len() - n_val..] {
            " Your validation part is the last tenth of the permutation; the handout asks for the first."
        } else if val.len() != n_val {
            " The validation part holds n / 10 indices (integer division), the training part the rest."
        } else {
            ""
        };
        return Err(Failure::wrong(format!(
            "`split_train_val({n}, {seed})` returned train {} ({} indices) and val {} ({} indices). After \
             `tch::manual_seed({seed})`, `Tensor::randperm({n}, …)` is {}: validation is its first {n_val} \
             entries, training the rest, both in the permutation's order.{how}",
            head(&train),
            train.len(),
            head(&val),
            val.len(),
            head(&order)
        )));
    }
    Ok(())
}

pub fn evaluate_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    // A batch larger than the data, batches of one, batches that divide n,
    // 28×28 images, and no samples at all.
    let n = ctx.rng().random_range(1..40);
    let big = n + ctx.rng().random_range(0..50);
    let k = ctx.rng().random_range(2..6);
    let b = ctx.rng().random_range(3..12);
    let m = ctx.rng().random_range(5..30);
    let cases: [(i64, i64, i64); 5] = [(n, big, 8), (m, 1, 8), (k * b, b, 8), (m, b, 28), (0, b, 8)];
    for (n, batch, side) in cases {
        check_evaluate(ctx, n, batch, side)?;
    }
    Ok(())
}
