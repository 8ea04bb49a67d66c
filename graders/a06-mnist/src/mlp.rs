//! Exercises 3–7: the split, the MLP's forward pass against libtorch on the
//! same weights, evaluation, and optimisation steps against `nn::Sgd` and
//! `nn::Adam`.

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
    let (n, batch) = (103i64, 32i64);
    let w = random_weights(ctx.rng(), 64);
    let (x, y) = (images(ctx, n, 8, 8), labels(ctx, n));
    let out = ctx.call("evaluate", args(&w, vec![Value::arg(&x), Value::arg(&y), batch.into()]))?;
    let [loss, accuracy] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for evaluate".into()));
    };
    let (loss, accuracy) = (outputs::float(loss, "the loss")?, outputs::float(accuracy, "the accuracy")?);
    let logits = forward(&w, &x);
    let want_loss = logits.cross_entropy_for_logits(&y).double_value(&[]);
    let want_accuracy = logits.argmax(-1, false).eq_tensor(&y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]);
    let what = format!("`evaluate(model, x, y, {batch})` over {n} samples (batches of 32, 32, 32 and 7)");
    if (accuracy - want_accuracy).abs() > 1e-9 {
        return Err(Failure::wrong(format!(
            "{what} returned accuracy {}, expected {}: the fraction of all {n} samples whose largest logit is at the \
             label. Count correct predictions over the batches and divide by {n} at the end.",
            num(accuracy),
            num(want_accuracy)
        )));
    }
    if (loss - want_loss).abs() > 1e-5 * want_loss.abs().max(1.0) {
        let batch_means: Vec<f64> = (0..4)
            .map(|b| {
                let len = batch.min(n - b * batch);
                logits.narrow(0, b * batch, len).cross_entropy_for_logits(&y.narrow(0, b * batch, len)).double_value(&[])
            })
            .collect();
        let mean_of_means = batch_means.iter().sum::<f64>() / 4.0;
        let why = if (loss - mean_of_means).abs() < 1e-5 {
            " You averaged the four batch means, so the last batch of 7 counts as much as a full one: weight each batch's mean loss by its size (or sum the per-sample losses) and divide by the number of samples."
        } else {
            " It is the mean cross-entropy over all samples."
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
    let batch = 16;
    let w = random_weights(ctx.rng(), 64);
    let xs = images(ctx, steps * batch, 8, 8).view([steps, batch, 8, 8]);
    let ys = labels(ctx, steps * batch).view([steps, batch]);
    let out = ctx.call("train_steps", args(&w, vec![kind.into(), lr.into(), Value::arg(&xs), Value::arg(&ys)]))?;
    if out.len() != 7 {
        return Err(Failure::Grader("the runner sent the wrong outputs for train_steps".into()));
    }
    let (want, want_losses) = oracle_steps(&w, kind, lr, &xs, &ys)?;
    let name = if kind == "sgd" { "SGD" } else { "Adam" };
    let losses = match &out[6] {
        Value::List(items) => items.iter().map(|v| outputs::float(v, "a loss")).collect::<Result<Vec<_>, _>>()?,
        other => return Err(Failure::Grader(format!("train_steps sent {} for the losses", other.type_name()))),
    };
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
        let what = format!("`{}` after {steps} step(s) of `train_step` with {name} (lr {})", NAMES[i], num(lr));
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
