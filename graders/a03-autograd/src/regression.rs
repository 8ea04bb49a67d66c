//! Task 1 (libtorch with `nn::Sgd`) and Task 5 (the student's engine and
//! `Sgd`): per-sample linear regression on the shipped data, whose per-epoch
//! MSE must follow the reference curve.

use crate::curves;
use crate::data;
use crate::inputs::{floats, normal_tensor, refused};
use crate::reference;
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;

/// The notebook's learning rate and epochs.
const LR: f64 = 1e-2;
const EPOCHS: i64 = 10;
/// The last epoch's MSE must be below this (the noise alone gives about 0.01;
/// per-sample steps keep it a little above: over seeds 1–10 the reference
/// ends at 0.01239).
const FINAL_MSE: f64 = 0.05;

fn curve(ctx: &mut Ctx, function: &str, task: &str) -> Result<(), Failure> {
    let table = data::parse(data::REGRESSION_CSV).map_err(Failure::Grader)?;
    let (x, y) = data::split_columns(&table);
    let w = normal_tensor(ctx.rng(), &[2, 1], 1.0);
    let b = normal_tensor(ctx.rng(), &[1, 1], 1.0);
    let args = vec![Value::arg(&x), Value::arg(&y), Value::arg(&w), Value::arg(&b), LR.into(), EPOCHS.into()];
    let out = ctx.call(function, args)?;
    refused(&out, &format!("{function}(...)"))?;
    let got = floats(&out[0], "the MSE curve")?;
    let want = reference::regression_curve(&x, &y, &w, &b, LR, EPOCHS, ctx.device())
        .map_err(|e| Failure::Grader(format!("the reference training failed: {e}")))?;
    let setting = format!(
        "{task} on data/regression.csv (200 rows), w_init = [[{}], [{}]], b_init = [[{}]], lr {}, {EPOCHS} epochs",
        num(w.double_value(&[0, 0])),
        num(w.double_value(&[1, 0])),
        num(b.double_value(&[0, 0])),
        num(LR)
    );
    if got.len() != want.len() {
        return Err(Failure::wrong(format!("`{function}` returned {} MSE values for {setting}; expected {EPOCHS}, one per epoch.", got.len())));
    }
    let f64_hint = if function == "regression_tch" { " (`vs.set_kind(Kind::Double)` before creating the variables)" } else { "" };
    curves::compare(ctx, &format!("The per-epoch MSE of `{function}` ({setting})"), &want, &got, |epoch| {
        let order = "The reference goes through the rows in order, one step per row: predict x_row·w + b, take the \
                     squared error, zero the gradients, backpropagate, step; the epoch's MSE is the mean of the \
                     errors measured before each step.";
        if epoch == 0 {
            format!("{order} Already the first epoch is off: check the prediction and the error, that each step uses only its own row's gradient (zero the gradients before every backward pass), and that you work in f64{f64_hint}.")
        } else {
            format!("{order} The first epoch is right, so look at what carries over from one epoch to the next.")
        }
    })?;
    let last = got.last().copied().unwrap_or(f64::NAN);
    if !(last < FINAL_MSE) {
        return Err(Failure::wrong(format!("After {setting}, the last MSE is {}, above {}.", num(last), num(FINAL_MSE))));
    }
    Ok(())
}

pub fn regression_tch(ctx: &mut Ctx) -> Result<(), Failure> {
    curve(ctx, "regression_tch", "Task 1 with tch and nn::Sgd")
}

pub fn regression_engine(ctx: &mut Ctx) -> Result<(), Failure> {
    curve(ctx, "regression_engine", "Task 5 on your engine and Sgd")
}
