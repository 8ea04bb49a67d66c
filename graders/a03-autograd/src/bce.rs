//! Task 2: the forward value of `bce_with_logits`, against libtorch's: one
//! number (shape []), the mean over every element of the logits, and finite
//! for logits far from 0, where the textbook formula through σ(z) overflows.

// Only a hidden check uses this module: `gradwork release` leaves it out.
// BEGIN HIDDEN
use crate::inputs::{binary_tensor, normal_tensor, refused, tensor};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::{Kind, Tensor};

/// `bce_with_logits(&logits, &targets)` on the student's engine, against
/// libtorch's mean BCE on logits.
fn check_bce(ctx: &mut Ctx, logits: &Tensor, targets: &Tensor, what: &str) -> Result<(), Failure> {
    let args = vec![Value::Str("bce".into()), Value::F64(0.0), Value::arg(targets), Value::List(vec![Value::arg(logits)])];
    let out = ctx.call("op_forward", args)?;
    refused(&out, "bce_with_logits(&logits, &targets)")?;
    let got = tensor(&out[0], "the loss")?;
    let device = ctx.device();
    let want = logits
        .to_device(device)
        .binary_cross_entropy_with_logits::<Tensor>(&targets.to_device(device), None, None, tch::Reduction::Mean)
        .to_kind(Kind::Double);
    ctx.compare(&format!("The data of `bce_with_logits(&logits, &targets)` for {what}"), &want, &got)
}
// END HIDDEN

pub fn bce_stable(ctx: &mut Ctx) -> Result<(), Failure> {
    // Far from 0 both ways, with both targets: ln σ(z) or ln(1 − σ(z)) is −inf in f64 for some of them.
    let logits = Tensor::from_slice(&[-1000.0f64, -1000.0, -40.0, -2.5, 0.5, 40.0, 40.0, 1000.0]).view([8, 1]);
    let targets = Tensor::from_slice(&[1.0f64, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]).view([8, 1]);
    check_bce(ctx, &logits, &targets, "logits [-1000, -1000, -40, -2.5, 0.5, 40, 40, 1000] and targets [1, 0, 1, 0, 1, 0, 1, 0] (as columns)")?;
    // A matrix of logits: the mean is over all of its elements, not over its rows.
    let (rows, cols) = (3, 4);
    let logits = normal_tensor(ctx.rng(), &[rows, cols], 3.0);
    let targets = binary_tensor(ctx.rng(), &[rows, cols]);
    check_bce(ctx, &logits, &targets, &format!("random logits and 0/1 targets of shape [{rows}, {cols}]"))
}
