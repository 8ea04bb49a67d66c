//! Exercises 1–3: the forward pass against libtorch on the same weights,
//! dropout, accuracy and prediction.

use crate::{images, weights};
use gradwork::outputs;
use gradwork::compare::num;
use gradwork::stats::mean_z_test;
// BEGIN HIDDEN
use gradwork::stats::binomial_test;
// END HIDDEN
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

// BEGIN HIDDEN
/// Probability with which dropout zeroes a hidden unit, as the handout says.
const DROPOUT: f64 = 0.2;
// END HIDDEN

/// Images for the forward checks: the grader's dot-vs-ring images.
fn batch(ctx: &mut Ctx, n: i64) -> Tensor {
    let seed = ctx.rng().random::<u32>() as u64;
    images::honest(n, seed).0
}

fn check_forward(ctx: &mut Ctx, n: i64) -> Result<(), Failure> {
    let w = weights::random(ctx.rng());
    let x = batch(ctx, n);
    let got = ctx.call_tensor("forward", weights::args(&w, vec![Value::arg(&x), false.into()]))?;
    // On the CPU whatever the grading device: a GPU would run the convolutions
    // in TF32, far less exactly than the student's CPU run.
    let want = weights::forward(&w, &x, false, Device::Cpu);
    let images = if n == 1 { "one image".to_string() } else { format!("a batch of {n} images") };
    ctx.compare(&format!("`model.forward_t(x, false)` (the logits) for {images}"), &want, &got)
}

pub fn cnn_forward(ctx: &mut Ctx) -> Result<(), Failure> {
    check_forward(ctx, 6)
}

pub fn cnn_forward_batches(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(20..60);
    for n in [1, n] {
        check_forward(ctx, n)?;
    }
    Ok(())
}

pub fn cnn_dropout(ctx: &mut Ctx) -> Result<(), Failure> {
    // One image repeated: in training mode each copy gets its own dropout
    // mask, so the logits vary from row to row but average to the eval logits.
    const COPIES: i64 = 2000;
    let w = weights::random(ctx.rng());
    let x = batch(ctx, 1).repeat([COPIES, 1, 1, 1]);
    let got = ctx.call_tensor("forward", weights::args(&w, vec![Value::arg(&x), true.into()]))?;
    if got.size() != [COPIES, 2] {
        return Err(Failure::wrong(format!(
            "`model.forward_t(x, true)` for {COPIES} images returned shape {:?}, expected [{COPIES}, 2].",
            got.size()
        )));
    }
    // The student's own logits without dropout: this check is about dropout only.
    let eval = ctx.call_tensor("forward", weights::args(&w, vec![Value::arg(&x.narrow(0, 0, 1)), false.into()]))?;
    if eval.size() != [1, 2] {
        return Err(Failure::wrong(format!(
            "`model.forward_t(x, false)` for one image returned shape {:?}, expected [1, 2].",
            eval.size()
        )));
    }
    let eval = eval.to_kind(Kind::Double);
    let got = got.to_kind(Kind::Double);
    let spread = got.std_dim(0, true, false);
    let spread: Vec<f64> = Vec::try_from(&spread).unwrap_or_default();
    if spread.iter().all(|s| *s < 1e-7) {
        return Err(Failure::wrong(format!(
            "In training mode (`train = true`) the {COPIES} copies of one image all got the same logits: \
             dropout is not active. Apply `.dropout(0.2, train)` after the ReLU of `fc1`, passing the `train` flag on."
        )));
    }
    for class in 0..2 {
        let column: Vec<f64> = Vec::try_from(&got.select(1, class)).unwrap_or_default();
        let expected = eval.double_value(&[0, class]);
        let variance = spread[class as usize].powi(2);
        let test = mean_z_test(&column, expected, variance);
        if test.rejects(1e-6) {
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            return Err(Failure::wrong(format!(
                "In training mode the logit of class {class}, averaged over {COPIES} dropout masks, is {}, but your \
                 logit without dropout (`train = false`) is {} ({test}). Dropout must leave the average unchanged: libtorch's \
                 `dropout` rescales the kept units by 1/(1 − p) for you. Apply dropout once, to the hidden layer \
                 after `fc1`, with p = 0.2, and nothing else that depends on `train`.",
                num(mean),
                num(expected)
            )));
        }
    }
    Ok(())
}

pub fn accuracy(ctx: &mut Ctx) -> Result<(), Failure> {
    for (n, k) in [(40i64, 2i64), (ctx.rng().random_range(10..80), 5)] {
        let logits: Vec<f32> = (0..n * k).map(|_| ctx.rng().random_range(-3.0f32..3.0)).collect();
        let labels: Vec<i64> = (0..n).map(|_| ctx.rng().random_range(0..k)).collect();
        let (logits, labels) = (Tensor::from_slice(&logits).view([n, k]), Tensor::from_slice(&labels));
        let got = outputs::float(&ctx.call_one("accuracy", vec![Value::arg(&logits), Value::arg(&labels)])?, "accuracy")?;
        let right = logits.argmax(-1, false).eq_tensor(&labels).sum(Kind::Int64).int64_value(&[]);
        let want = right as f64 / n as f64;
        if (got - want).abs() > 1e-9 {
            return Err(Failure::wrong(format!(
                "`accuracy(logits, labels)` for {n} rows of {k} logits returned {}, expected {} ({right} of {n} \
                 rows have their largest logit at the label). Take the argmax over the last dimension, compare it \
                 with the labels, and average over the rows.",
                num(got),
                num(want)
            )));
        }
    }
    Ok(())
}

/// `predict` for a batch of `n` images: i64 of shape (n,), the argmax of the
/// student's own logits in evaluation mode.
fn check_predict(ctx: &mut Ctx, n: i64) -> Result<(), Failure> {
    let w = weights::random(ctx.rng());
    let x = batch(ctx, n);
    let images = if n == 1 { "one image".to_string() } else { format!("{n} images") };
    let got = ctx.call_tensor("predict", weights::args(&w, vec![Value::arg(&x)]))?;
    if got.size() != [n] || got.kind() != Kind::Int64 {
        return Err(Failure::wrong(format!(
            "`predict(model, x)` for {images} returned a {:?} tensor of shape {:?}; expected the predicted classes, \
             i64 of shape [{n}] (the argmax of the logits over the classes, one per image{}).",
            got.kind(),
            got.size(),
            if n == 1 { ": a batch of one image still has its batch dimension, so do not `squeeze` it away" } else { "" }
        )));
    }
    // Judged against the student's own logits in evaluation mode, so that a
    // forward-pass bug costs the forward checks only.
    let logits = ctx.call_tensor("forward", weights::args(&w, vec![Value::arg(&x), false.into()]))?;
    if logits.size() != [n, 2] {
        return Err(Failure::wrong(format!(
            "`model.forward_t(x, false)` for {images} returned shape {:?}, expected [{n}, 2]: fix exercise 1 first.",
            logits.size()
        )));
    }
    let want = logits.argmax(-1, false);
    let wrong = want.ne_tensor(&got).sum(Kind::Int64).int64_value(&[]);
    if wrong > 0 {
        let again = ctx.call_tensor("predict", weights::args(&w, vec![Value::arg(&x)]))?;
        let unstable = again.ne_tensor(&got).sum(Kind::Int64).int64_value(&[]) > 0;
        let why = if unstable {
            "Two calls on the same images gave different answers: dropout is still on. Predict in evaluation \
             mode: `forward_t(x, false)`."
        } else {
            "Use the model in evaluation mode (`forward_t(x, false)`) and take the argmax over the class dimension."
        };
        return Err(Failure::wrong(format!(
            "`predict(model, x)` disagrees with the argmax of your model's logits in evaluation mode for {wrong} of \
             {n} images. {why}"
        )));
    }
    Ok(())
}

pub fn predict(ctx: &mut Ctx) -> Result<(), Failure> {
    check_predict(ctx, 64)
}

pub fn predict_batches(ctx: &mut Ctx) -> Result<(), Failure> {
    let small = ctx.rng().random_range(2..20);
    let large = ctx.rng().random_range(100..300);
    for n in [1, small, large] {
        check_predict(ctx, n)?;
    }
    Ok(())
}

pub fn cnn_dropout_rate(ctx: &mut Ctx) -> Result<(), Failure> {
    // Only one hidden unit is alive, so each training-mode copy either keeps
    // it (logits = bias + its contribution / 0.8) or drops it (logits = the
    // fc2 bias exactly): the share of dropped copies estimates p, whatever
    // the rest of the forward pass does.
    const COPIES: i64 = 2000;
    let unit = ctx.rng().random_range(0..32usize);
    let w = weights::one_hidden_unit(ctx.rng(), unit);
    let x = batch(ctx, 1).repeat([COPIES, 1, 1, 1]);
    let got = ctx.call_tensor("forward", weights::args(&w, vec![Value::arg(&x), true.into()]))?;
    if got.size() != [COPIES, 2] {
        return Err(Failure::wrong(format!(
            "`model.forward_t(x, true)` for {COPIES} images returned shape {:?}, expected [{COPIES}, 2].",
            got.size()
        )));
    }
    let bias = w[7].to_kind(Kind::Double).view([1, 2]);
    let got = got.to_kind(Kind::Double);
    let dropped_rows = (&got - &bias).abs().le(1e-4).all_dim(1, false);
    let dropped = dropped_rows.sum(Kind::Int64).int64_value(&[]) as u64;
    let test = binomial_test(dropped, COPIES as u64, DROPOUT);
    let setting = format!(
        "The grader gave `fc1` a single live hidden unit (number {unit}; the other 31 rows of its weights and \
         biases are zero) and ran `model.forward_t(x, true)` on {COPIES} copies of one image: a copy whose hidden \
         unit is dropped gets exactly the `fc2` bias as logits."
    );
    if dropped == 0 {
        return Err(Failure::wrong(format!(
            "{setting} None of them did: the hidden unit after `fc1` is never dropped. Apply `.dropout(0.2, train)` \
             to the hidden layer, right after the ReLU of `fc1`."
        )));
    }
    if test.rejects(1e-6) {
        let share = dropped as f64 / COPIES as f64;
        return Err(Failure::wrong(format!(
            "{setting} {dropped} of them did ({}), but dropout with p = {DROPOUT} drops a unit in about {} of \
             them ({test}). Use p = 0.2 (the `DROPOUT` constant), not PyTorch's default 0.5, and apply dropout once, \
             to the hidden layer after `fc1`.",
            num((share * 1000.0).round() / 1000.0),
            num(DROPOUT)
        )));
    }
    Ok(())
}
