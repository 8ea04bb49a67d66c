//! Exercise 21: fitting the linear regressor (the notebook's line, and the
//! multi-output fix of Exercise A), judged by the parameters it recovers.

use crate::oracle;
use crate::wire::{self, at, floats, tensor};
use gradwork::compare::{num, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// What `fit_regression` returned.
pub struct Fitted {
    /// Mean training MSE per epoch.
    pub train_loss: Vec<f64>,
    /// Validation MSE per epoch.
    pub val_loss: Vec<f64>,
    /// The weight, (out, in).
    pub weight: Tensor,
    /// The bias, (out,).
    pub bias: Tensor,
}

/// Calls the student's `fit_regression` on a fresh `LinearRegressor(in, out)`.
#[allow(clippy::too_many_arguments)]
pub fn fit(ctx: &mut Ctx, what: &str, train: (&Tensor, &Tensor), val: (&Tensor, &Tensor), batch: i64, epochs: i64, lr: f64, l1: f64) -> Result<Fitted, Failure> {
    let (in_dim, out_dim) = (train.0.size()[1], train.1.size()[1]);
    let args = vec![
        in_dim.into(),
        out_dim.into(),
        Value::arg(train.0),
        Value::arg(train.1),
        Value::arg(val.0),
        Value::arg(val.1),
        batch.into(),
        epochs.into(),
        lr.into(),
        l1.into(),
        0i64.into(),
    ];
    let out = wire::call_ok(ctx, what, "fit_regression", args)?;
    let fitted = Fitted { train_loss: floats(at(&out, 0)?)?, val_loss: floats(at(&out, 1)?)?, weight: tensor(at(&out, 2)?)?, bias: tensor(at(&out, 3)?)? };
    for (name, curve) in [("train_loss", &fitted.train_loss), ("val_loss", &fitted.val_loss)] {
        if curve.len() as i64 != epochs {
            return Err(Failure::wrong(format!("{what} returned `{name}` with {} entries for {epochs} epochs: one per epoch.", curve.len())));
        }
    }
    Ok(fitted)
}

fn max_error(got: &Tensor, want: &Tensor) -> f64 {
    if got.size() != want.size() {
        return f64::INFINITY;
    }
    (got.to_kind(Kind::Double) - want.to_kind(Kind::Double)).abs().max().double_value(&[])
}

pub fn linear_regression(ctx: &mut Ctx) -> Result<(), Failure> {
    let (a, b, sd) = (2.2, -0.7, 0.35);
    oracle::seed_torch(ctx);
    let x = Tensor::rand([600, 1], (Kind::Float, Device::Cpu)) * 4.0 - 2.0;
    let y = &x * a + b + Tensor::randn([600, 1], (Kind::Float, Device::Cpu)) * sd;
    // Fewer, larger batches and a larger rate than the notebook's 200 epochs
    // of 64 at 1e-2: the same line in a fifth of the steps.
    let (batch, epochs, lr) = (210i64, 60i64, 1e-1);
    let what = format!("`fit_regression` of `LinearRegressor(1, 1)` on y = {a}·x − {} + N(0, {sd}²) (420 training samples, batches of {batch}, {epochs} epochs, Adam lr {lr})", -b);
    let fitted = fit(ctx, &what, (&x.narrow(0, 0, 420), &y.narrow(0, 0, 420)), (&x.narrow(0, 420, 90), &y.narrow(0, 420, 90)), batch, epochs, lr, 0.0)?;
    crate::curves::attach_regression(ctx, "linear-regression", &fitted);
    let slope_error = max_error(&fitted.weight.view([-1]), &Tensor::from_slice(&[a as f32]));
    let bias_error = max_error(&fitted.bias.view([-1]), &Tensor::from_slice(&[b as f32]));
    let val = fitted.val_loss.last().copied().unwrap_or(f64::NAN);
    let limit = 2.0 * sd * sd;
    if slope_error < 0.1 && bias_error < 0.1 && !(val < limit) {
        return Err(Failure::wrong(format!(
            "{what} found the line (weight {}, bias {}), but reported a final validation MSE of {}, where the noise alone gives {}. \
             The validation loss must be the mean squared error over the validation samples: `MeanSquaredOops` averages (a sum grows \
             with the batch), and each batch is weighted by its size.",
            tensor_text(&fitted.weight),
            tensor_text(&fitted.bias),
            num(val),
            num(sd * sd)
        )));
    }
    if !(slope_error < 0.1 && bias_error < 0.1 && val < limit) {
        return Err(Failure::wrong(format!(
            "{what} ended with weight {} and bias {} (the data's line has slope {a} and intercept {}) and a final validation MSE of {} \
             (the noise alone gives {}; anything below {} is fine). Check that every batch takes a step (zero_grad → forward → loss → \
             backward → step) with Adam at the given rate, and that the loss is the MSE of prediction and target.",
            tensor_text(&fitted.weight),
            tensor_text(&fitted.bias),
            num(b),
            num(val),
            num(sd * sd),
            num(limit)
        )));
    }
    Ok(())
}

fn tensor_text(t: &Tensor) -> String {
    let values: Vec<f64> = Vec::<f64>::try_from(&t.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default();
    format!("[{}]", values.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(", "))
}

pub fn multi_output_regression(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let x = Tensor::randn([500, 2], (Kind::Float, Device::Cpu));
    let w = Tensor::rand([4, 2], (Kind::Float, Device::Cpu)) * 4.0 - 2.0;
    let bias = Tensor::rand([4], (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
    let y = x.matmul(&w.tr()) + &bias + Tensor::randn([500, 4], (Kind::Float, Device::Cpu)) * 0.1;
    let (batch, epochs, lr) = (200i64, 70i64, 5e-2);
    let what = format!("`fit_regression` of `LinearRegressor(2, 4)` on x of shape [400, 2] and y of shape [400, 4] (batches of {batch}, {epochs} epochs, Adam lr {lr})");
    let fitted = fit(ctx, &what, (&x.narrow(0, 0, 400), &y.narrow(0, 0, 400)), (&x.narrow(0, 400, 100), &y.narrow(0, 400, 100)), batch, epochs, lr, 0.0)?;
    crate::curves::attach_regression(ctx, "multi-output-regression", &fitted);
    let (we, be) = (max_error(&fitted.weight, &w), max_error(&fitted.bias, &bias));
    if !(we < 0.05 && be < 0.05) {
        return Err(Failure::wrong(format!(
            "{what} recovered the weights {} and bias {}; the data was made with {} and {} (plus noise of standard deviation 0.1), \
             so a fit should land within 0.05 of each (yours is off by up to {}). The model must map 2 features to 4 outputs: \
             `LinearRegressor::new(p, 2, 4)` with one `nn::linear(p / \"linear\", 2, 4, ..)`.",
            tensor_text(&fitted.weight),
            tensor_text(&fitted.bias),
            tensor_text(&w),
            tensor_text(&bias),
            num(we.max(be))
        )));
    }
    Ok(())
}

pub fn regression_curves(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    // 1. Learning rate 0 with an L1 penalty: the weights stay at their
    //    initial values, so each epoch's training MSE (without the penalty,
    //    averaged over samples) and validation MSE are those of the initial model.
    let (n_train, n_val, d) = (100i64, 50i64, 3i64);
    let x = Tensor::randn([n_train + n_val, d], (Kind::Float, Device::Cpu));
    let w = Tensor::randn([d, 1], (Kind::Float, Device::Cpu));
    let y = x.matmul(&w) + 0.5 + Tensor::randn([n_train + n_val, 1], (Kind::Float, Device::Cpu)) * 0.3;
    let (xt, yt, xv, yv) = (x.narrow(0, 0, n_train), y.narrow(0, 0, n_train), x.narrow(0, n_train, n_val), y.narrow(0, n_train, n_val));
    let (l1, epochs) = (0.5, 3i64);
    let what = format!("`fit_regression` of `LinearRegressor({d}, 1)` at learning rate 0 with l1 = {l1} ({n_train} training samples in shuffled batches of 32, the last of 4)");
    let fitted = fit(ctx, &what, (&xt, &yt), (&xv, &yv), 32, epochs, 0.0, l1)?;
    let mse = |x: &Tensor, y: &Tensor| (x.linear(&fitted.weight, Some(&fitted.bias)) - y).to_kind(Kind::Double).square().mean(None).double_value(&[]);
    let (train_mse, val_mse) = (mse(&xt, &yt), mse(&xv, &yv));
    let penalty = l1 * (fitted.weight.abs().sum(Kind::Double).double_value(&[]) + fitted.bias.abs().sum(Kind::Double).double_value(&[]));
    let tolerance = Tolerance { rtol: 1e-5, atol: 1e-7 };
    let curves = fitted.train_loss.iter().map(|&g| (train_mse, g)).chain(fitted.val_loss.iter().map(|&g| (val_mse, g)));
    for (want, got) in curves {
        ctx.note_tolerance_used((got - want).abs() / (tolerance.atol + tolerance.rtol * want.abs()));
    }
    for (e, &got) in fitted.train_loss.iter().enumerate() {
        if !tolerance.accepts(train_mse, got) {
            let why = if (got - (train_mse + penalty)).abs() <= 1e-4 * (train_mse + penalty) {
                "That is the MSE plus the L1 penalty: the penalty goes into the loss you minimise, but the recorded training loss is the MSE alone."
            } else {
                "The weights never change at rate 0, so every epoch's training loss is the MSE of the initial model over all training samples: each \
                 batch's MSE weighted by its size, Σ (MSE × batch size) / n, without the penalty."
            };
            return Err(Failure::wrong(format!(
                "{what} recorded a training loss of {} in epoch {}; expected {}. {why}",
                num(got),
                e + 1,
                num(train_mse)
            )));
        }
    }
    for (e, &got) in fitted.val_loss.iter().enumerate() {
        if !tolerance.accepts(val_mse, got) {
            return Err(Failure::wrong(format!(
                "{what} recorded a validation loss of {} in epoch {}; expected {}, the MSE of the (unchanged) model over all {n_val} validation \
                 samples, without the penalty.",
                num(got),
                e + 1,
                num(val_mse)
            )));
        }
    }
    // 2. The penalty covers every trainable variable, the bias too. On
    //    centred x the optimum of MSE + λ(|w| + |b|) is known: b = ȳ − λ/2 and
    //    w = (mean(x·y) − λ/2) / mean(x²) (both positive here), where
    //    penalising the weight alone would leave b = ȳ.
    let n = 200i64;
    let raw = Tensor::rand([n, 1], (Kind::Double, Device::Cpu)) * 4.0 - 2.0;
    let x = (&raw - raw.mean(None)).to_kind(Kind::Float);
    let y = (&x * 1.5 + 2.0 + Tensor::randn([n, 1], (Kind::Float, Device::Cpu)) * 0.1).to_kind(Kind::Float);
    let lambda = 0.5;
    let (xd, yd) = (x.to_kind(Kind::Double), y.to_kind(Kind::Double));
    let want_b = yd.mean(None).double_value(&[]) - lambda / 2.0;
    let want_w = ((&xd * &yd).mean(None).double_value(&[]) - lambda / 2.0) / xd.square().mean(None).double_value(&[]);
    let (epochs, lr) = (300i64, 5e-2);
    let what = format!("`fit_regression` of `LinearRegressor(1, 1)` with l1 = {lambda} on y ≈ 1.5·x + 2 ({n} samples in one batch, {epochs} epochs, Adam lr {lr})");
    let fitted = fit(ctx, &what, (&x, &y), (&x, &y), n, epochs, lr, lambda)?;
    let (got_w, got_b) = (fitted.weight.to_kind(Kind::Double).sum(Kind::Double).double_value(&[]), fitted.bias.to_kind(Kind::Double).sum(Kind::Double).double_value(&[]));
    if !((got_b - want_b).abs() < 0.05 && (got_w - want_w).abs() < 0.05) {
        let bias_free = (got_b - (want_b + lambda / 2.0)).abs() < 0.05;
        let why = if bias_free {
            "Your bias is the unpenalised one: the penalty must cover every trainable variable, the bias included \
             (`l1_penalty(&vs.trainable_variables())`), not the weight alone."
        } else {
            "Minimise MeanSquaredOops plus `config.l1 · l1_penalty` of every trainable variable with Adam at the given rate, one step per batch."
        };
        return Err(Failure::wrong(format!(
            "{what} ended with weight {} and bias {}; the minimum of MSE + {lambda}·(|w| + |b|) is at weight {} and bias {}. {why}",
            num((got_w * 1e4).round() / 1e4),
            num((got_b * 1e4).round() / 1e4),
            num((want_w * 1e4).round() / 1e4),
            num((want_b * 1e4).round() / 1e4)
        )));
    }
    Ok(())
}

// BEGIN HIDDEN
/// What a correct `fit_regression` records, computed with libtorch's own
/// `nn::linear` and `nn::Adam` on the same batches (unshuffled, the last one
/// partial), from the same initial weights.
struct Replay {
    /// Mean training MSE per epoch, before each batch's step.
    train_loss: Vec<f64>,
    /// Validation MSE per epoch, each batch weighted by its size.
    val_loss: Vec<f64>,
    /// The plain mean of the validation batches' MSEs: what a loop that
    /// forgets the batch sizes records.
    val_plain: Vec<f64>,
}

/// The batches of `(x, y)` in order, `size` samples each, the last one smaller.
fn batches(x: &Tensor, y: &Tensor, size: i64) -> Vec<(Tensor, Tensor)> {
    let n = x.size()[0];
    (0..n).step_by(size as usize).map(|start| (x.narrow(0, start, size.min(n - start)), y.narrow(0, start, size.min(n - start)))).collect()
}

#[allow(clippy::too_many_arguments)]
fn replay(init: (&Tensor, &Tensor), train: (&Tensor, &Tensor), val: (&Tensor, &Tensor), batch: i64, val_batch: i64, epochs: i64, lr: f64, l1: f64) -> Replay {
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let (out_dim, in_dim) = (init.0.size()[0], init.0.size()[1]);
    let layer = tch::nn::linear(vs.root() / "linear", in_dim, out_dim, Default::default());
    let mut variables = vs.variables();
    tch::no_grad(|| {
        for (name, value) in [("linear.weight", init.0), ("linear.bias", init.1)] {
            if let Some(v) = variables.get_mut(name) {
                v.copy_(value);
            }
        }
    });
    let mut optimizer = oracle::Opt::Adam.build(&vs, lr, 0.0);
    let mse = |x: &Tensor, y: &Tensor| (tch::nn::Module::forward(&layer, x) - y).square().mean(Kind::Float);
    let (train_batches, val_batches) = (batches(train.0, train.1, batch), batches(val.0, val.1, val_batch));
    let (n_train, n_val) = (train.0.size()[0] as f64, val.0.size()[0] as f64);
    let mut out = Replay { train_loss: Vec::new(), val_loss: Vec::new(), val_plain: Vec::new() };
    for _ in 0..epochs {
        let mut total = 0.0;
        for (xb, yb) in &train_batches {
            let loss = mse(xb, yb);
            total += loss.double_value(&[]) * xb.size()[0] as f64;
            let penalised = if l1 > 0.0 { &loss + (layer.ws.abs().sum(Kind::Float) + layer.bs.as_ref().map_or(Tensor::from(0f32), |b| b.abs().sum(Kind::Float))) * l1 } else { loss };
            optimizer.zero_grad();
            penalised.backward();
            optimizer.step();
        }
        out.train_loss.push(total / n_train);
        let losses: Vec<(f64, f64)> = tch::no_grad(|| val_batches.iter().map(|(xb, yb)| (mse(xb, yb).double_value(&[]), xb.size()[0] as f64)).collect());
        out.val_loss.push(losses.iter().map(|(l, s)| l * s).sum::<f64>() / n_val);
        out.val_plain.push(losses.iter().map(|(l, _)| l).sum::<f64>() / losses.len() as f64);
    }
    out
}

/// A size in `range` that `n` is not a multiple of, so that the last batch is partial.
fn partial_batch(ctx: &mut Ctx, n: i64, range: std::ops::Range<i64>) -> i64 {
    loop {
        let size = ctx.rng().random_range(range.clone());
        if n % size != 0 {
            return size;
        }
    }
}
// END HIDDEN

pub fn regression_history(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    // Several training and validation batches, each set's last one partial,
    // unshuffled: libtorch's own loop on the same batches from the same
    // initial weights gives every number of both curves.
    let (d, k) = (3i64, 2i64);
    let n_train = ctx.rng().random_range(80..121i64);
    let n_val = ctx.rng().random_range(40..61i64);
    let batch = partial_batch(ctx, n_train, 20..41);
    let val_batch = partial_batch(ctx, n_val, 12..25);
    let (epochs, lr, l1) = (4i64, 5e-2, 2e-2);
    let opts = (Kind::Float, Device::Cpu);
    let x = Tensor::randn([n_train + n_val, d], opts);
    let y = x.matmul(&Tensor::randn([d, k], opts)) + Tensor::randn([k], opts) + Tensor::randn([n_train + n_val, k], opts) * 0.2;
    let bound = 1.0 / (d as f64).sqrt();
    let (w0, b0) = (Tensor::rand([k, d], opts) * (2.0 * bound) - bound, Tensor::rand([k], opts) * (2.0 * bound) - bound);
    let (xt, yt, xv, yv) = (x.narrow(0, 0, n_train), y.narrow(0, 0, n_train), x.narrow(0, n_train, n_val), y.narrow(0, n_train, n_val));
    let what = format!(
        "`fit_regression` of `LinearRegressor({d}, {k})` with Adam lr {lr} and l1 = {l1} for {epochs} epochs, on {n_train} training samples in \
         unshuffled batches of {batch} (the last of {}) and {n_val} validation samples in batches of {val_batch} (the last of {})",
        n_train % batch,
        n_val % val_batch
    );
    let args = vec![
        d.into(),
        k.into(),
        Value::arg(&xt),
        Value::arg(&yt),
        Value::arg(&xv),
        Value::arg(&yv),
        batch.into(),
        epochs.into(),
        lr.into(),
        l1.into(),
        0i64.into(),
        val_batch.into(),
        false.into(),
        Value::arg(&w0),
        Value::arg(&b0),
    ];
    let out = wire::call_ok(ctx, &what, "fit_regression", args)?;
    let (train_loss, val_loss) = (floats(at(&out, 0)?)?, floats(at(&out, 1)?)?);
    for (name, curve) in [("train_loss", &train_loss), ("val_loss", &val_loss)] {
        if curve.len() as i64 != epochs {
            return Err(Failure::wrong(format!(
                "{what} returned `{name}` with {} entries for {epochs} epochs: push one value per epoch, after its last batch.",
                curve.len()
            )));
        }
    }
    let want = replay((&w0, &b0), (&xt, &yt), (&xv, &yv), batch, val_batch, epochs, lr, l1);
    let tolerance = Tolerance { rtol: 1e-4, atol: 1e-6 };
    for (w, g) in want.train_loss.iter().zip(&train_loss).chain(want.val_loss.iter().zip(&val_loss)) {
        ctx.note_tolerance_used((g - w).abs() / (tolerance.atol + tolerance.rtol * w.abs()));
    }
    let train_at = want.train_loss.iter().zip(&train_loss).position(|(&w, &g)| !tolerance.accepts(w, g));
    let val_at = want.val_loss.iter().zip(&val_loss).position(|(&w, &g)| !tolerance.accepts(w, g));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * b.abs().max(1e-6);
    // The training loss of epoch e comes from the steps before it; a
    // validation loss that differs first (same epoch or earlier) is the
    // validation's own fault.
    match (train_at, val_at) {
        (_, Some(e)) if train_at.is_none_or(|t| e < t) => {
            let why = if close(val_loss[e], want.val_plain[e]) {
                "That is the plain mean of the validation batches' MSEs: the last, smaller batch counts as much as a full one. Weight \
                 each batch by its size, Σ (MSE × batch size) / n, as for the training loss."
            } else {
                "The validation loss of an epoch is the MSE over all validation samples after that epoch's steps, without gradients \
                 and without the penalty: each batch's MSE weighted by its size. If that is what you compute, then that epoch's \
                 steps differ from libtorch's: one Adam step per batch on `MeanSquaredOops` + l1 · `l1_penalty` of every trainable \
                 variable, the bias included."
            };
            Err(Failure::wrong(format!(
                "{what} recorded a validation loss of {} in epoch {}; libtorch's own loop gives {} (every earlier number matched). {why}",
                num(val_loss[e]),
                e + 1,
                num(want.val_loss[e])
            )))
        }
        (Some(e), _) => {
            let running = want.train_loss[..=e].iter().sum::<f64>() / (e + 1) as f64;
            let why = if e > 0 && close(train_loss[e], running) {
                "That is the mean over every epoch so far: the running total and count of the training loss must start again at 0 in \
                 every epoch."
                    .to_string()
            } else {
                format!(
                    "The training loss of an epoch is the mean over its samples of each batch's MSE before that batch's step, without \
                     the penalty. {} one Adam step per batch on `MeanSquaredOops` + l1 · `l1_penalty` of every trainable variable, with \
                     the gradients zeroed before every step (`optimizer.zero_grad()` inside the loop over batches, not once per epoch).",
                    if e == 0 { "Epoch 1 already differs, so your steps are not libtorch's:" } else { "Check the steps:" }
                )
            };
            Err(Failure::wrong(format!(
                "{what} recorded a training loss of {} in epoch {}; libtorch's own loop gives {} (every earlier number matched). {why}",
                num(train_loss[e]),
                e + 1,
                num(want.train_loss[e])
            )))
        }
        _ => Ok(()),
    }
}
