//! Exercises 1–5: the scalar loss ½ (w·x − t)², its gradient by hand, by
//! finite differences and by autograd.

use crate::inputs::uniform_tensor;
use gradwork::compare::{compare_scalar, num, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// The notebook's example: w, x, t.
fn notebook() -> (Tensor, Tensor, f64) {
    (Tensor::from_slice(&[5.0f64, -0.3, 0.1]), Tensor::from_slice(&[1.0f64, 2.0, -1.0]), 0.7)
}

/// A random example of length 1..8 (a single weight is a vector too).
fn random(ctx: &mut Ctx) -> (Tensor, Tensor, f64) {
    let n = ctx.rng().random_range(1..8);
    let w = uniform_tensor(ctx.rng(), &[n], -2.0, 2.0);
    let x = uniform_tensor(ctx.rng(), &[n], -2.0, 2.0);
    let t = ctx.rng().random_range(-1.0..1.0);
    (w, x, t)
}

/// `[5, -0.3, 0.1]`
fn list(t: &Tensor) -> String {
    let values = Vec::<f64>::try_from(t.to_kind(Kind::Double)).unwrap_or_default();
    format!("[{}]", values.iter().map(|v| num((v * 1e4).round() / 1e4)).collect::<Vec<_>>().join(", "))
}

fn describe(w: &Tensor, x: &Tensor, t: f64) -> String {
    format!("w = {}, x = {}, t = {}", list(w), list(x), num((t * 1e4).round() / 1e4))
}

fn tolerance(ctx: &Ctx) -> Tolerance {
    ctx.spec().tolerance().unwrap_or(Tolerance::for_dtype(gradwork::value::DType::F64))
}

/// Compares two numbers with the check's tolerance, recording how much of it was used.
pub fn close(ctx: &Ctx, what: &str, want: f64, got: f64) -> Result<(), String> {
    let tol = tolerance(ctx);
    ctx.note_tolerance_used((got - want).abs() / (tol.atol + tol.rtol * want.abs()));
    compare_scalar(what, want, got, tol)
}

fn args(w: &Tensor, x: &Tensor, t: f64) -> Vec<Value> {
    vec![Value::arg(w), Value::arg(x), t.into()]
}

/// ½ (w·x − t)² in libtorch.
fn loss_oracle(w: &Tensor, x: &Tensor, t: f64) -> f64 {
    let r = w.dot(x).double_value(&[]) - t;
    0.5 * r * r
}

pub fn scalar_loss(ctx: &mut Ctx) -> Result<(), Failure> {
    for (w, x, t) in [notebook(), random(ctx)] {
        let got = match ctx.call_one("loss", args(&w, &x, t))? {
            Value::F64(v) => v,
            other => return Err(Failure::Grader(format!("the runner sent {} for `loss`", other.type_name()))),
        };
        let what = format!("`loss(w, x, t)` for {}", describe(&w, &x, t));
        close(ctx, &what, loss_oracle(&w, &x, t), got).map_err(|m| {
            Failure::wrong(format!("{m}. The loss is ½ (w·x − t)²: the dot product, minus t, squared, times one half."))
        })?;
    }
    Ok(())
}

pub fn analytic_gradient(ctx: &mut Ctx) -> Result<(), Failure> {
    for (w, x, t) in [notebook(), random(ctx)] {
        let got = ctx.call_tensor("analytic_gradient", args(&w, &x, t))?;
        let device = ctx.device();
        let (wd, xd) = (w.to_device(device), x.to_device(device));
        let want = (wd.dot(&xd) - t) * &xd;
        ctx.compare(&format!("`analytic_gradient(w, x, t)` for {}", describe(&w, &x, t)), &want, &got)?;
    }
    Ok(())
}

pub fn finite_difference(ctx: &mut Ctx) -> Result<(), Failure> {
    let (w, x, t) = notebook();
    let (rw, rx, rt) = random(ctx);
    for (w, x, t, eps) in [(w, x, t, 1e-6), (rw, rx, rt, 1e-3)] {
        let mut call = args(&w, &x, t);
        call.push(eps.into());
        let got = ctx.call_tensor("finite_difference_gradient", call)?;
        let exact = (w.dot(&x) - t) * &x;
        let what = format!("`finite_difference_gradient(w, x, t, {})` for {}", num(eps), describe(&w, &x, t));
        if let Err(Failure::Wrong(message)) = ctx.compare(&what, &exact, &got) {
            // A one-sided difference is the most common slip: say so when it explains the result.
            let one_sided = one_sided_difference(&w, &x, t, eps);
            let explained = ctx.compare("", &one_sided, &got).is_ok();
            let why = if explained {
                "\n\nYour values match the one-sided difference (l(w + eps·eᵢ) − l(w)) / eps, whose error is about \
                 eps/2 · xᵢ². Use the central difference (l(w + eps·eᵢ) − l(w − eps·eᵢ)) / (2·eps): for this \
                 quadratic loss it is exact up to rounding."
            } else {
                "\n\nThe expected values are the exact gradient (w·x − t)·x: a central difference of this quadratic \
                 loss matches it up to rounding, whatever eps is."
            };
            return Err(Failure::wrong(format!("{message}{why}")));
        }
    }
    Ok(())
}

/// (l(w + eps·eᵢ) − l(w)) / eps for each i.
fn one_sided_difference(w: &Tensor, x: &Tensor, t: f64, eps: f64) -> Tensor {
    let n = w.numel() as i64;
    let basis = Tensor::eye(n, (Kind::Double, w.device()));
    let base = loss_oracle(w, x, t);
    let slopes: Vec<f64> = (0..n).map(|i| (loss_oracle(&(w + basis.get(i) * eps), x, t) - base) / eps).collect();
    Tensor::from_slice(&slopes)
}

pub fn autograd_derivative(ctx: &mut Ctx) -> Result<(), Failure> {
    let random: f64 = ctx.rng().random_range(-3.0..3.0);
    for x in [2.0, (random * 1e3).round() / 1e3] {
        let got = match ctx.call_one("derivative_at", vec![x.into()])? {
            Value::F64(v) => v,
            other => return Err(Failure::Grader(format!("the runner sent {} for `derivative_at`", other.type_name()))),
        };
        let leaf = Tensor::from_slice(&[x]).to_device(ctx.device()).set_requires_grad(true);
        let y = (&leaf * 3.0 + 2.0).square() / 2.0;
        let want = Tensor::run_backward(&[&y.sum(Kind::Double)], &[&leaf], false, false)[0].double_value(&[0]);
        close(ctx, &format!("`derivative_at({})`", num(x)), want, got).map_err(|m| {
            Failure::wrong(format!(
                "{m}. With y = (3x + 2)²/2, dy/dx = 3·(3x + 2). Make x a tensor that requires grad, compute y from \
                 it with tensor operations, call `backward()` on y, and read `x.grad()`."
            ))
        })?;
    }
    Ok(())
}

pub fn autograd_gradient(ctx: &mut Ctx) -> Result<(), Failure> {
    for (w, x, t) in [notebook(), random(ctx)] {
        let got = ctx.call_tensor("autograd_gradient", args(&w, &x, t))?;
        let device = ctx.device();
        let leaf = w.to_device(device).set_requires_grad(true);
        let loss = (leaf.dot(&x.to_device(device)) - t).square() * 0.5;
        let want = Tensor::run_backward(&[&loss], &[&leaf], false, false).remove(0);
        ctx.compare(&format!("`autograd_gradient(w, x, t)` for {}", describe(&w, &x, t)), &want, &got)?;
    }
    Ok(())
}

/// `autograd_gradient` twice on the caller's same `w`: the same gradient both
/// times, and `w` left as it was (no gradient tracking switched on for it).
pub fn autograd_gradient_repeat(ctx: &mut Ctx) -> Result<(), Failure> {
    let (w, x, t) = random(ctx);
    let out = ctx.call("autograd_gradient_twice", args(&w, &x, t))?;
    let [Value::Tensor(first), Value::Tensor(second), Value::Tensor(after), Value::Bool(tracks)] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for two calls of `autograd_gradient`".into()));
    };
    let read = |t: &gradwork::value::TensorData| t.to_tensor().map_err(|e| Failure::wrong(format!("an unreadable tensor: {e}")));
    let want = (w.dot(&x) - t) * &x;
    let setting = describe(&w, &x, t);
    ctx.compare(&format!("The first call of `autograd_gradient(&w, &x, t)` for {setting}"), &want, &read(first)?)?;
    ctx.compare(&format!("A second call of `autograd_gradient(&w, &x, t)` on the same `w` ({setting})"), &want, &read(second)?)
        .map_err(|f| match f {
            Failure::Wrong(m) => Failure::wrong(format!(
                "{m}\n\nThe first call was right, the second is not: the gradient of the first call is still there \
                 and the second one was added to it. That happens when `set_requires_grad(true)` is called on the \
                 caller's `w` itself (it returns a handle to the same tensor): work on a copy, \
                 `w.detach().copy().set_requires_grad(true)`."
            )),
            other => other,
        })?;
    ctx.compare(&format!("The caller's `w` after two calls of `autograd_gradient` ({setting})"), &w, &read(after)?)?;
    if *tracks {
        return Err(Failure::wrong(format!(
            "After `autograd_gradient(&w, &x, t)` ({setting}), the caller's `w` requires grad: the function switched \
             on gradient tracking for the caller's tensor instead of a copy of it. Work on a copy, \
             `w.detach().copy().set_requires_grad(true)`, and leave `w` as it was."
        )));
    }
    Ok(())
}
