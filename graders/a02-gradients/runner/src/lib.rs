//! The a02-gradients runner: the only code that links the student's crate. It
//! turns requests into calls of the student's functions and their results
//! into plain values. It judges nothing.
//!
//! The student's network and gradient checker take Rust types (an `Mlp`, a
//! closure), so the calls here build those from plain tensors first.

mod checker;

use a02_gradients as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use student::mlp::{Activation, Mlp};

/// The runner of a02-gradients.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a02_gradients" };

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        "loss" => vec![student::scalar::loss(&args.tensor(0)?, &args.tensor(1)?, args.f64(2)?).into()],
        "analytic_gradient" => vec![out(&student::scalar::analytic_gradient(&args.tensor(0)?, &args.tensor(1)?, args.f64(2)?))?],
        "finite_difference_gradient" => {
            vec![out(&student::scalar::finite_difference_gradient(&args.tensor(0)?, &args.tensor(1)?, args.f64(2)?, args.f64(3)?))?]
        }
        "derivative_at" => vec![student::warmup::derivative_at(args.f64(0)?).into()],
        "autograd_gradient" => vec![out(&student::warmup::autograd_gradient(&args.tensor(0)?, &args.tensor(1)?, args.f64(2)?))?],
        "autograd_gradient_twice" => {
            // The same w twice, as a caller reusing its tensor would: both answers, then w as the caller sees it.
            let (w, x, t) = (args.tensor(0)?, args.tensor(1)?, args.f64(2)?);
            let first = student::warmup::autograd_gradient(&w, &x, t);
            let second = student::warmup::autograd_gradient(&w, &x, t);
            vec![out(&first)?, out(&second)?, out(&w)?, w.requires_grad().into()]
        }
        "relu" => vec![out(&student::mlp::relu(&args.tensor(0)?))?],
        "relu_derivative" => vec![out(&student::mlp::relu_derivative(&args.tensor(0)?))?],
        "sigmoid" => vec![out(&student::mlp::sigmoid(&args.tensor(0)?))?],
        "sigmoid_derivative" => vec![out(&student::mlp::sigmoid_derivative(&args.tensor(0)?))?],
        "softmax" => vec![out(&student::mlp::softmax(&args.tensor(0)?))?],
        "cross_entropy" => vec![student::mlp::cross_entropy(&args.tensor(0)?, &args.tensor(1)?).into()],
        "forward" => {
            // args: activation, w1, b1, w2, b2, x
            let model = mlp(args, 0)?;
            let (scores, cache) = model.forward(&args.tensor(5)?);
            vec![out(&scores)?, out(&cache.z1)?, out(&cache.a1)?, out(&cache.scores)?]
        }
        "loss_and_gradients" => {
            // args: activation, w1, b1, w2, b2, x, y
            let model = mlp(args, 0)?;
            let (loss, probs, cache) = model.loss(&args.tensor(5)?, &args.tensor(6)?);
            let d = model.backward_pass(&probs, &cache, &args.tensor(6)?);
            vec![loss.into(), out(&probs)?, out(&d.d_w1)?, out(&d.d_b1)?, out(&d.d_w2)?, out(&d.d_b2)?]
        }
        "train" => {
            // args: activation, w1, b1, w2, b2, x, y, lr, epochs
            let mut model = mlp(args, 0)?;
            let losses = model.train(&args.tensor(5)?, &args.tensor(6)?, args.f64(7)?, args.i64(8)?);
            let losses = Value::List(losses.into_iter().map(Value::F64).collect());
            vec![losses, out(&model.w1)?, out(&model.b1)?, out(&model.w2)?, out(&model.b2)?]
        }
        "relative_error" => vec![student::gradient_check::relative_error(args.f64(0)?, args.f64(1)?).into()],
        "gradient_check_right_and_wrong" => checker::right_and_wrong(args)?,
        "gradient_check_edge_cases" => checker::edge_cases(args)?,
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}

/// Argument `index` as a string.
fn string(args: &Args, index: usize) -> Result<&str, DispatchError> {
    match args.0.get(index) {
        Some(Value::Str(s)) => Ok(s),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a string", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a string", got: "nothing" }),
    }
}

/// The student's `Mlp` from arguments `at..at + 5`: activation name, w1, b1, w2, b2.
fn mlp(args: &Args, at: usize) -> Result<Mlp, DispatchError> {
    let activation = match string(args, at)? {
        "relu" => Activation::Relu,
        _ => Activation::Sigmoid,
    };
    Ok(Mlp {
        w1: args.tensor(at + 1)?,
        b1: args.tensor(at + 2)?,
        w2: args.tensor(at + 3)?,
        b2: args.tensor(at + 4)?,
        activation,
    })
}
