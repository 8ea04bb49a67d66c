//! Judging material for the student's gradient checker: a small sigmoid
//! network whose loss and two backward passes are written here, one right
//! and one deliberately wrong (it differentiates the sigmoid as z·(1 − z) of
//! the pre-activation instead of s·(1 − s)). The student's `gradient_check`
//! runs on both; the grader reads its numbers.

use a02_gradients::gradient_check::gradient_check;
use gradwork::submission::{Args, DispatchError};
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

/// args: x, y, w1, b1, w2, b2, eps. Returns the student's (max, mean) for the
/// right backward, then for the wrong one, then how often it evaluated the loss.
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
    Ok(vec![
        right.max_rel_error.into(),
        right.mean_rel_error.into(),
        wrong.max_rel_error.into(),
        wrong.mean_rel_error.into(),
        evaluations.into(),
    ])
}
