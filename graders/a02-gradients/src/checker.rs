//! Exercise 12: the student's own gradient checker, judged on a right and a
//! deliberately wrong backward pass of a small sigmoid network (both written
//! in the runner). A good checker passes the first and flags the second, and
//! its numbers agree with the relative errors the grader computes exactly.

use crate::inputs::{labels, normal_tensor, uniform_tensor};
use crate::oracle::{self, cpu, Act, Params};
use gradwork::compare::{compare_scalar, num, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// A correct backward pass must look correct: its relative errors are finite-difference noise.
const RIGHT_MAX: f64 = 1e-5;
/// The wrong backward pass is off by far more than this.
const WRONG_MIN: f64 = 1e-2;
/// The step the checker is called with (the notebook's).
const EPS: f64 = 1e-5;

/// A number the runner sent: a float, an integer, or a one-element tensor (which carries NaN).
fn number(v: &Value, what: &str) -> Result<f64, Failure> {
    match v {
        Value::F64(x) => Ok(*x),
        Value::I64(x) => Ok(*x as f64),
        Value::Tensor(t) if t.numel() == 1 => Ok(t.values_f64()[0]),
        other => Err(Failure::Grader(format!("the runner sent {} for {what}", other.type_name()))),
    }
}

/// |a − n| / max(1e-8, |a| + |n|), element-wise over flattened tensors.
fn relative_errors(analytic: &[Tensor], exact: &[Tensor]) -> Vec<f64> {
    let mut out = Vec::new();
    for (a, e) in analytic.iter().zip(exact) {
        let a = Vec::<f64>::try_from(cpu(a).flatten(0, -1)).unwrap_or_default();
        let e = Vec::<f64>::try_from(cpu(e).flatten(0, -1)).unwrap_or_default();
        out.extend(a.iter().zip(&e).map(|(a, e)| (a - e).abs() / (a.abs() + e.abs()).max(1e-8)));
    }
    out
}

/// The runner's wrong backward pass (sigmoid derivative taken as z·(1 − z)), recomputed here.
fn wrong_gradients(params: &[Tensor], x: &Tensor, y: &Tensor) -> Vec<Tensor> {
    let z1 = x.matmul(&params[0]) + &params[1];
    let a1 = z1.sigmoid();
    let scores = a1.matmul(&params[2]) + &params[3];
    let n = x.size()[0] as f64;
    let dscores = (scores.softmax(1, Kind::Double) - y.onehot(scores.size()[1]).to_kind(Kind::Double)) / n;
    let dz1 = dscores.matmul(&params[2].transpose(0, 1)) * (&z1 * (1.0 - &z1));
    vec![
        x.transpose(0, 1).matmul(&dz1),
        dz1.sum_dim_intlist(0, true, None),
        a1.transpose(0, 1).matmul(&dscores),
        dscores.sum_dim_intlist(0, true, None),
    ]
}

fn check_relative_error(ctx: &mut Ctx) -> Result<(), Failure> {
    for (a, n) in [(1.0, 1.0), (1.0, 2.0), (-0.5, 0.5), (0.0, 0.0), (2e-9, 0.0), (3.0, -1.0)] {
        let got = number(&ctx.call_one("relative_error", vec![Value::F64(a), Value::F64(n)])?, "`relative_error`")?;
        let want = (a - n).abs() / (a.abs() + n.abs()).max(1e-8);
        compare_scalar(&format!("`relative_error({}, {})`", num(a), num(n)), want, got, Tolerance { rtol: 1e-9, atol: 1e-12 })
            .map_err(|m| Failure::wrong(format!("{m}. It is |a − n| / max(1e-8, |a| + |n|): the floor 1e-8 keeps 0/0 away when both are 0.")))?;
    }
    Ok(())
}

pub fn gradient_checker(ctx: &mut Ctx) -> Result<(), Failure> {
    check_relative_error(ctx)?;
    let (n, d, h, c) = (5, 3, 4, 3);
    // Gradients that are not tiny, so that every relative error means something.
    let (params, x, y, exact) = loop {
        let params = Params::random(ctx.rng(), d, h, c, 0.8).to_vec();
        let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
        let y = labels(ctx.rng(), n, c);
        let exact: Vec<Tensor> = oracle::run(Act::Sigmoid, &params, &x, &y, tch::Device::Cpu).grads;
        if exact.iter().all(|g| g.abs().min().double_value(&[]) > 1e-3) {
            break (params, x, y, exact);
        }
    };
    let elements: i64 = params.iter().map(|p| p.numel() as i64).sum();
    let mut args = vec![Value::arg(&x), Value::arg(&y)];
    args.extend(params.iter().map(Value::arg));
    args.push(EPS.into());
    let out = ctx.call("gradient_check_right_and_wrong", args)?;
    let [max_right, mean_right, max_wrong, mean_wrong, evaluations, after @ ..] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong number of outputs for the gradient checker".into()));
    };
    let (max_right, mean_right) = (number(max_right, "the max error")?, number(mean_right, "the mean error")?);
    let (max_wrong, mean_wrong) = (number(max_wrong, "the max error")?, number(mean_wrong, "the mean error")?);
    let evaluations = number(evaluations, "the evaluation count")?;
    let setting = format!(
        "a sigmoid network with W1 [{d}, {h}], b1 [1, {h}], W2 [{h}, {c}], b2 [1, {c}] ({elements} parameter elements) \
         on a batch of {n}, eps = {}",
        num(EPS)
    );
    if evaluations < (4 * elements) as f64 {
        return Err(Failure::wrong(format!(
            "Your `gradient_check` evaluated the loss {} times over two checks of {setting}. A central difference \
             needs two evaluations per element, so checking every element of every parameter twice takes at least \
             {}. Check every element, not a sample of them.",
            num(evaluations),
            4 * elements
        )));
    }
    untouched(ctx, &params, after, &setting)?;
    if !(max_right <= RIGHT_MAX) {
        return Err(Failure::wrong(format!(
            "For a correct backward pass on {setting}, your `gradient_check` reports a max relative error of {} \
             (mean {}): it would reject correct code. With eps = {} the central differences agree with the exact \
             gradient to about 1e-8, so expect errors far below {}. Check that each element is nudged by +eps and \
             −eps from its original value (the others untouched), that you divide by 2·eps, and that you compare \
             element i of the analytic gradient with the numerical slope of element i.",
            num(max_right),
            num(mean_right),
            num(EPS),
            num(RIGHT_MAX)
        )));
    }
    let wrong = relative_errors(&wrong_gradients(&params, &x, &y), &exact);
    let want_max = wrong.iter().copied().fold(0.0, f64::max);
    let want_mean = wrong.iter().sum::<f64>() / wrong.len() as f64;
    if !(max_wrong >= WRONG_MIN) {
        return Err(Failure::wrong(format!(
            "For a wrong backward pass on {setting} (it differentiates the sigmoid as z·(1 − z) instead of \
             s·(1 − s)), your `gradient_check` reports a max relative error of only {}, so it would let the bug \
             through. The true max relative error is {}. Does your checker compare the analytic gradient it is \
             given with finite differences of `f`?",
            num(max_wrong),
            num(want_max)
        )));
    }
    let tolerance = Tolerance { rtol: 1e-3, atol: 1e-4 };
    for (what, want, got) in [("max", want_max, max_wrong), ("mean", want_mean, mean_wrong)] {
        compare_scalar(&format!("The {what} relative error your `gradient_check` reports for the wrong backward pass on {setting}"), want, got, tolerance)
            .map_err(|m| {
                Failure::wrong(format!(
                    "{m}. Your checker tells right from wrong, but its numbers are off: take the {what} over every \
                     element of every parameter of `relative_error(analytic, numeric)`."
                ))
            })?;
    }
    Ok(())
}

/// The caller's parameters after two checks must be what they were before:
/// the checker nudges copies, never the caller's tensors.
fn untouched(ctx: &Ctx, params: &[Tensor], after: &[Value], setting: &str) -> Result<(), Failure> {
    let names = ["W1", "b1", "W2", "b2"];
    for (i, before) in params.iter().enumerate() {
        let Some(Value::Tensor(t)) = after.get(i) else {
            return Err(Failure::Grader("the runner sent no parameters after the gradient checks".into()));
        };
        let now = t.to_tensor().map_err(|e| Failure::Grader(format!("unreadable parameter after the checks: {e}")))?;
        ctx.compare(&format!("The caller's `{}` after two runs of your `gradient_check` on {setting}", names[i]), before, &now)
            .map_err(|f| match f {
                Failure::Wrong(m) => Failure::wrong(format!(
                    "{m}\n\n`gradient_check` changed the parameters it was given. Nudge a copy: rebuild the nudged \
                     parameter from its values (`Vec::<f64>::try_from(p.flatten(0, -1))`, change one entry, \
                     `Tensor::from_slice(...).view(shape)`), so that the caller's tensors stay as they are."
                )),
                other => other,
            })?;
    }
    Ok(())
}

/// What the handout promises at the edges: a NaN anywhere makes the check
/// fail (max and mean are NaN), and no parameters at all give 0 and 0.
pub fn gradient_checker_edges(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, h, c) = (4, 2, 3, 2);
    let params = Params::random(ctx.rng(), d, h, c, 0.8).to_vec();
    let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
    let y = labels(ctx.rng(), n, c);
    let mut args = vec![Value::arg(&x), Value::arg(&y)];
    args.extend(params.iter().map(Value::arg));
    args.push(EPS.into());
    let vector = [ctx.rng().random_range(1..7i64)];
    let block = [ctx.rng().random_range(2..4i64), ctx.rng().random_range(1..4i64), ctx.rng().random_range(2..4i64)];
    args.push(Value::arg(&uniform_tensor(ctx.rng(), &vector, 0.5, 1.5)));
    args.push(Value::arg(&uniform_tensor(ctx.rng(), &block, 0.5, 1.5)));
    let out = ctx.call("gradient_check_edge_cases", args)?;
    let [max_nan, mean_nan, max_empty, mean_empty, max_shaped, mean_shaped] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong number of outputs for the gradient checker's edge cases".into()));
    };
    let (max_nan, mean_nan) = (number(max_nan, "the max error")?, number(mean_nan, "the mean error")?);
    if !max_nan.is_nan() || !mean_nan.is_nan() {
        return Err(Failure::wrong(format!(
            "For a loss that returns NaN when the first element of W1 is nudged up (a small sigmoid network, \
             eps = {}), your `gradient_check` reports a max relative error of {} and a mean of {}. One relative \
             error is NaN, so both must be NaN and the check must not pass: a checker that hides a NaN lets a \
             broken loss through. Watch out: `f64::max` ignores NaN (`f64::NAN.max(1.0)` is 1.0), so a fold with \
             it drops them; test with `is_nan()`, or compute the max with a tensor.",
            num(EPS),
            num(max_nan),
            num(mean_nan)
        )));
    }
    let (max_empty, mean_empty) = (number(max_empty, "the max error")?, number(mean_empty, "the mean error")?);
    if max_empty != 0.0 || mean_empty != 0.0 {
        return Err(Failure::wrong(format!(
            "With no parameters at all (`params` and `analytic` empty), your `gradient_check` reports a max \
             relative error of {} and a mean of {}; with nothing to compare, both must be 0. (A mean taken as \
             sum / count is 0/0 = NaN here: count the errors first.)",
            num(max_empty),
            num(mean_empty)
        )));
    }
    let (max_shaped, mean_shaped) = (number(max_shaped, "the max error")?, number(mean_shaped, "the mean error")?);
    if !(max_shaped <= SHAPED_LIMIT) {
        return Err(Failure::wrong(format!(
            "For the loss Σ p³ over two parameters of shapes {vector:?} and {block:?} with their exact gradients 3p² (eps = {}), \
             your `gradient_check` reports a max relative error of {} and a mean of {}; central differences agree with an exact \
             gradient to about 1e-9 (the limit is {}). Every element of every parameter counts, whatever its rank: flatten with \
             `p.flatten(0, -1)` (all dimensions, not the first two) and rebuild with `.view(shape)`.",
            num(EPS),
            num(max_shaped),
            num(mean_shaped),
            num(SHAPED_LIMIT)
        )));
    }
    Ok(())
}

/// The largest relative error `gradient_check` may report for Σ p³ with its
/// exact gradient; central differences at eps = 1e-5 give about 1e-10.
const SHAPED_LIMIT: f64 = 1e-6;
