//! Judging material for the student's gradient checker: a small sigmoid
//! network whose loss and two backward passes are written here, one right
//! and one deliberately wrong (it differentiates the sigmoid as z·(1 − z) of
//! the pre-activation instead of s·(1 − s)). The student's `gradient_check`
//! runs on both; the grader reads its numbers.

use a02_gradients::gradient_check::gradient_check;
use gradwork::submission::{out, Args, DispatchError};
use gradwork::value::Value;
use tch::{Kind, Tensor};

/// Mean cross-entropy of the sigmoid network `params` = [w1, b1, w2, b2] on (x, y).
pub fn loss(params: &[Tensor], x: &Tensor, y: &Tensor) -> f64 {
    let a1 = (x.matmul(&params[0]) + &params[1]).sigmoid();
    let scores = a1.matmul(&params[2]) + &params[3];
    let log_probs = scores.log_softmax(1, Kind::Double);
    -log_probs.gather(1, &y.unsqueeze(1), false).mean(Kind::Double).double_value(&[])
}

/// The network's gradients by hand; `wrong` uses z·(1 − z) as the sigmoid's derivative.
pub fn gradients(params: &[Tensor], x: &Tensor, y: &Tensor, wrong: bool) -> Vec<Tensor> {
    let z1 = x.matmul(&params[0]) + &params[1];
    let a1 = z1.sigmoid();
    let scores = a1.matmul(&params[2]) + &params[3];
    let n = x.size()[0] as f64;
    let dscores = (scores.softmax(1, Kind::Double) - y.onehot(scores.size()[1]).to_kind(Kind::Double)) / n;
    let d_w2 = a1.transpose(0, 1).matmul(&dscores);
    let d_b2 = dscores.sum_dim_intlist(0, true, None);
    let act = if wrong { &z1 * (1.0 - &z1) } else { &a1 * (1.0 - &a1) };
    let dz1 = dscores.matmul(&params[2].transpose(0, 1)) * act;
    let d_w1 = x.transpose(0, 1).matmul(&dz1);
    let d_b1 = dz1.sum_dim_intlist(0, true, None);
    vec![d_w1, d_b1, d_w2, d_b2]
}

/// A number as a 0-d f64 tensor: unlike a plain float, it carries NaN and
/// infinities to the grader (a checker's answer may be NaN).
fn number(x: f64) -> Value {
    Value::arg(&Tensor::from(x))
}

/// args: x, y, w1, b1, w2, b2, eps. Returns the student's (max, mean) for the
/// right backward, then for the wrong one, then how often it evaluated the
/// loss, then the four parameters as the caller holds them afterwards.
pub fn right_and_wrong(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let (x, y) = (args.tensor(0)?, args.tensor(1)?);
    let params = vec![args.tensor(2)?, args.tensor(3)?, args.tensor(4)?, args.tensor(5)?];
    let eps = args.f64(6)?;
    let mut evaluations = 0i64;
    let mut f = |p: &[Tensor]| {
        evaluations += 1;
        loss(p, &x, &y)
    };
    let right = gradient_check(&mut f, &params, &gradients(&params, &x, &y, false), eps);
    let wrong = gradient_check(&mut f, &params, &gradients(&params, &x, &y, true), eps);
    let mut values = vec![
        number(right.max_rel_error),
        number(right.mean_rel_error),
        number(wrong.max_rel_error),
        number(wrong.mean_rel_error),
        evaluations.into(),
    ];
    for p in &params {
        values.push(out(p)?);
    }
    Ok(values)
}

/// args: x, y, w1, b1, w2, b2, eps. The student's (max, mean) for a loss that
/// is NaN whenever the first element of w1 is nudged up, then for an empty
/// list of parameters.
pub fn edge_cases(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let (x, y) = (args.tensor(0)?, args.tensor(1)?);
    let params = vec![args.tensor(2)?, args.tensor(3)?, args.tensor(4)?, args.tensor(5)?];
    let eps = args.f64(6)?;
    let first = params[0].flatten(0, -1).double_value(&[0]);
    let mut nan_above = |p: &[Tensor]| {
        if p[0].flatten(0, -1).double_value(&[0]) > first {
            f64::NAN
        } else {
            loss(p, &x, &y)
        }
    };
    let with_nan = gradient_check(&mut nan_above, &params, &gradients(&params, &x, &y, false), eps);
    let mut never = |p: &[Tensor]| loss(p, &x, &y);
    let empty = gradient_check(&mut never, &[], &[], eps);
    // Parameters of other ranks (a vector, a 3-D block) under Σ p³, whose
    // gradient 3p² is exact.
    let shaped = vec![args.tensor(7)?, args.tensor(8)?];
    let cubes: Vec<Tensor> = shaped.iter().map(|p| p.square() * 3.0).collect();
    let mut sum_of_cubes = |p: &[Tensor]| p.iter().map(|t| t.pow_tensor_scalar(3).sum(Kind::Double).double_value(&[])).sum::<f64>();
    let shapes = gradient_check(&mut sum_of_cubes, &shaped, &cubes, eps);
    Ok(vec![
        number(with_nan.max_rel_error),
        number(with_nan.mean_rel_error),
        number(empty.max_rel_error),
        number(empty.mean_rel_error),
        number(shapes.max_rel_error),
        number(shapes.mean_rel_error),
    ])
}
