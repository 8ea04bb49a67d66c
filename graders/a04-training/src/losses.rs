//! Exercises 7–9: the hand-written MSE and L1 penalty (values and gradients
//! against libtorch's autograd) and accuracy from logits.

use crate::wire::{at, float, tensor};
use gradwork::compare::{compare_scalar, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Reduction, Tensor};

fn random(ctx: &mut Ctx, shape: &[i64], kind: Kind, margin: f64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n)
        .map(|_| {
            let v: f64 = ctx.rng().random_range(margin..3.0);
            if ctx.rng().random_bool(0.5) { v } else { -v }
        })
        .collect();
    Tensor::from_slice(&values).view(shape).to_kind(kind)
}

fn gradient(out: &[Value], index: usize, what: &str) -> Result<Tensor, Failure> {
    match at(out, index)? {
        Value::Unit => Err(Failure::wrong(format!(
            "{what} carries no gradient: autograd cannot differentiate it. Build it from tensor operations on the inputs \
             (no `double_value`, no `f64` arithmetic, no `detach`), so that `backward()` reaches the inputs."
        ))),
        v => tensor(v),
    }
}

fn check_mse(ctx: &mut Ctx, prediction: &Tensor, target: &Tensor) -> Result<(), Failure> {
    let what = format!("`MeanSquaredOops::new().forward(prediction, target)` for shape {:?} ({:?})", prediction.size(), prediction.kind());
    let out = ctx.call("mse_oops", vec![Value::arg(prediction), Value::arg(target)])?;
    let (p, t) = (prediction.to_device(ctx.device()).set_requires_grad(true), target.to_device(ctx.device()));
    let want = p.mse_loss(&t, Reduction::Mean);
    let got = tensor(at(&out, 0)?)?;
    ctx.compare(&what, &want.detach(), &got).map_err(|f| match f {
        Failure::Wrong(m) => {
            let summed = got.numel() == 1 && {
                let (g, w) = (got.to_kind(Kind::Double).double_value(&[]), want.double_value(&[]));
                (g - w * prediction.numel() as f64).abs() <= 1e-4 * g.abs().max(1e-6)
            };
            let why = if summed { format!(" Yours is {} times too large: the sum of the squares, not their mean.", prediction.numel()) } else { String::new() };
            Failure::Wrong(format!(
                "{m}\n\nThe mean squared error is the average of (prediction − target)² over all elements: `mse_loss` with mean reduction, returned as a 0-d tensor.{why}"
            ))
        }
        other => other,
    })?;
    want.backward();
    let grad = gradient(&out, 1, &what)?;
    ctx.compare(&format!("The gradient of {what} with respect to the prediction"), &p.grad(), &grad)
}

pub fn mse_oops(ctx: &mut Ctx) -> Result<(), Failure> {
    let prediction = Tensor::from_slice(&[2.5f32, 0.0, 2.1]);
    let target = Tensor::from_slice(&[3.0f32, -0.5, 2.0]);
    check_mse(ctx, &prediction, &target)?;
    for (shape, kind) in [(vec![4i64, 3], Kind::Double), (vec![5], Kind::Float), (vec![2, 3, 4], Kind::Double)] {
        let (p, t) = (random(ctx, &shape, kind, 0.0), random(ctx, &shape, kind, 0.0));
        check_mse(ctx, &p, &t)?;
    }
    Ok(())
}

pub fn l1_penalty(ctx: &mut Ctx) -> Result<(), Failure> {
    // Entries at least 0.1 away from 0, where |w| has no kink.
    let w = random(ctx, &[3, 4], Kind::Double, 0.1);
    let b = random(ctx, &[4], Kind::Double, 0.1);
    let out = ctx.call("l1_penalty", vec![Value::arg(&w), Value::arg(&b)])?;
    let what = "`l1_penalty(&[w, b])` for w of shape [3, 4] and b of shape [4] (f64)";
    let want = w.abs().sum(Kind::Double) + b.abs().sum(Kind::Double);
    ctx.compare(what, &want, &tensor(at(&out, 0)?)?).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nThe penalty is the sum of |x| over every element of every tensor (a sum, not a mean), as a 0-d tensor.")),
        other => other,
    })?;
    ctx.compare(&format!("The gradient of {what} with respect to w"), &w.sign(), &gradient(&out, 1, what)?)?;
    ctx.compare(&format!("The gradient of {what} with respect to b"), &b.sign(), &gradient(&out, 2, what)?)?;
    let out = ctx.call("l1_penalty", vec![])?;
    let empty = tensor(at(&out, 0)?)?.to_kind(Kind::Double).double_value(&[]);
    compare_scalar("`l1_penalty(&[])`", 0.0, empty, Tolerance::EXACT).map_err(|m| Failure::wrong(format!("{m}: the penalty of no tensors is 0.")))
}

pub fn accuracy(ctx: &mut Ctx) -> Result<(), Failure> {
    // Any number of classes and rows, one row included.
    for (n, classes) in [(ctx.rng().random_range(40..80i64), 3i64), (ctx.rng().random_range(10..40), ctx.rng().random_range(2..11)), (1, 4)] {
        let logits = random(ctx, &[n, classes], Kind::Float, 0.0);
        let labels: Vec<i64> = (0..n).map(|_| ctx.rng().random_range(0..classes)).collect();
        let y = Tensor::from_slice(&labels);
        let perfect = logits.argmax(1, false);
        for (what, y) in [("random labels", y), ("the predicted labels themselves", perfect)] {
            let got = float(at(&ctx.call("accuracy_from_logits", vec![Value::arg(&logits), Value::arg(&y)])?, 0)?)?;
            let want = logits.argmax(1, false).eq_tensor(&y).to_kind(Kind::Double).mean(None).double_value(&[]);
            compare_scalar(&format!("`accuracy_from_logits` of {n}×{classes} logits and {what}"), want, got, Tolerance { rtol: 0.0, atol: 1e-6 }).map_err(|m| {
                Failure::wrong(format!("{m}. The predicted class of a row is the index of its largest logit (argmax over dimension 1); accuracy is the fraction of rows where it equals the label."))
            })?;
        }
    }
    Ok(())
}
