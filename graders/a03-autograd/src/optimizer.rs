//! Task 5: the student's `Sgd` (with their engine) against `nn::Sgd` on the
//! same loss, step by step.

use crate::inputs::{binary_targets, normal_tensor, tensor};
use crate::reference;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;

/// Steps compared.
const STEPS: i64 = 5;
/// Learning rate.
const LR: f64 = 0.5;

pub fn trajectory(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, h) = (10, 4, 6);
    let start = vec![
        normal_tensor(ctx.rng(), &[d, h], 0.7),
        normal_tensor(ctx.rng(), &[1, h], 0.3),
        normal_tensor(ctx.rng(), &[h, 1], 0.7),
        normal_tensor(ctx.rng(), &[1, 1], 0.3),
    ];
    let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
    let y = binary_targets(ctx.rng(), n);
    // A parameter the loss never uses: it has no gradient, so `step` must leave it alone.
    let unused = normal_tensor(ctx.rng(), &[2, 3], 1.0);
    let mut args: Vec<Value> = start.iter().map(Value::arg).collect();
    args.extend([Value::arg(&x), Value::arg(&y), LR.into(), STEPS.into(), Value::arg(&unused)]);
    let out = ctx.call("sgd_trajectory", args)?;
    let [Value::List(steps), unused_after] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent no trajectory".into()));
    };
    let want = reference::train_classifier(&start, &x, &y, &x, &y, LR, STEPS, ctx.device())
        .map_err(|e| Failure::Grader(format!("the reference training failed: {e}")))?;
    let setting = format!(
        "{STEPS} steps of your `Sgd` (lr {LR}) on the classifier tanh(x·w1 + b1)·w2 + b2 with the mean BCE loss, \
         a batch of {n}, each step `zero_grad()`, `loss.backward()`, `step()`; the `Sgd` also holds a fifth \
         parameter `unused` [2, 3] that the loss does not use"
    );
    for (k, (got, want)) in steps.iter().zip(&want.params).enumerate() {
        let Value::List(got) = got else { continue };
        for (i, name) in ["w1", "b1", "w2", "b2"].iter().enumerate() {
            let g = tensor(&got[i], &format!("`{name}` after step {}", k + 1))?;
            if let Err(Failure::Wrong(m)) = ctx.compare(&format!("After {setting}: `{name}` after step {} of {STEPS}", k + 1), &want[i], &g) {
                let advice = if k == 0 {
                    "The first step is already off: `step` must move every parameter by −lr × its gradient \
                     (`p.set_data(p.data() - grad * lr)`), and the gradients must be right (see the \
                     `bias-broadcast` and `random-graphs` checks)."
                } else {
                    "The first step is right but a later one is not: gradients from earlier steps are still there. \
                     `zero_grad` must clear every parameter's gradient (set it to None, or to zeros), so that each \
                     backward pass starts afresh."
                };
                return Err(Failure::wrong(format!("{m}\n\n{advice}")));
            }
        }
    }
    if steps.len() != want.params.len() {
        return Err(Failure::Grader(format!("the runner sent {} steps for {STEPS}", steps.len())));
    }
    let unused_after = tensor(unused_after, "`unused` after the steps")?;
    ctx.compare(&format!("After {setting}: `unused`"), &unused, &unused_after).map_err(|f| match f {
        Failure::Wrong(m) => Failure::wrong(format!(
            "{m}\n\n`unused` never gets a gradient (its `grad()` stays None), so `step` must leave it as it is: \
             only parameters that have a gradient move."
        )),
        other => other,
    })
}
