//! Exercise 10 through the harness's gradient check: the student's loss and
//! backward pass, called through the runner, as one differentiable function
//! of (W1, b1, W2, b2). Larger networks than the autograd comparisons, fast
//! mode (random projections; a failure is pinned to its element).

// This module serves only a hidden check: `gradwork release` leaves it out of the
// students' copy.
// BEGIN HIDDEN
use crate::inputs::{away_from_zero, labels, normal_tensor};
use crate::oracle::{Act, Params};
use gradwork::gradcheck::{gradcheck, Differentiable, GradcheckOptions, Mode};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::Tensor;

/// The student's `Mlp::loss` (forward) and `Mlp::backward_pass` (vjp) on a fixed batch.
struct StudentLoss<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    act: Act,
    x: Tensor,
    y: Tensor,
}

impl StudentLoss<'_, '_> {
    /// The loss and the four gradients at `params`.
    fn call(&mut self, params: &[Tensor]) -> Result<(f64, Vec<Tensor>), Failure> {
        let mut args = vec![Value::Str(self.act.name().into())];
        args.extend(params.iter().map(Value::arg));
        args.extend([Value::arg(&self.x), Value::arg(&self.y)]);
        let out = self.ctx.call("loss_and_gradients", args)?;
        let Some(Value::F64(loss)) = out.first() else {
            return Err(Failure::Grader("the runner sent no loss for `Mlp::loss`".into()));
        };
        let grads = out[2..]
            .iter()
            .map(|v| match v {
                Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("`backward_pass` returned an unreadable tensor: {e}"))),
                other => Err(Failure::Grader(format!("the runner sent {} where a gradient belongs", other.type_name()))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((*loss, grads))
    }
}

impl Differentiable for StudentLoss<'_, '_> {
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let (loss, _) = self.call(inputs)?;
        Ok(vec![Tensor::from(loss)])
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let (_, grads) = self.call(inputs)?;
        Ok(grads.iter().map(|g| g * &cotangents[0]).collect())
    }

    fn input_name(&self, i: usize) -> String {
        ["W1", "b1", "W2", "b2"].get(i).map(|s| s.to_string()).unwrap_or_else(|| format!("input {i}"))
    }

    fn output_name(&self, _: usize) -> String {
        "loss".into()
    }
}

pub fn backward_gradcheck(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, h, c) = (16, 6, 12, 4);
    for act in [Act::Relu, Act::Sigmoid] {
        let (params, x, y) = loop {
            let params = Params::random(ctx.rng(), d, h, c, 0.5);
            let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
            let y = labels(ctx.rng(), n, c);
            if act == Act::Sigmoid || away_from_zero(&(x.matmul(&params.w1) + &params.b1), 1e-3) {
                break (params, x, y);
            }
        };
        let options = GradcheckOptions { mode: Mode::Fast, seed: ctx.seed(), ..GradcheckOptions::default() };
        let mut target = StudentLoss { ctx, act, x, y };
        let report = gradcheck(&mut target, &params.to_vec(), &options).map_err(|f| match f {
            Failure::Wrong(m) => Failure::wrong(format!(
                "Gradient check of your {} network's loss (`Mlp::loss`) against your `backward_pass`, with W1 \
                 [{d}, {h}], W2 [{h}, {c}] and a batch of {n}:\n\n{m}",
                act.name()
            )),
            other => other,
        })?;
        ctx.note_tolerance_used(report.max_error_ratio);
    }
    Ok(())
}
// END HIDDEN
