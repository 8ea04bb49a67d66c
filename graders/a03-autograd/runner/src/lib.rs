//! The a03-autograd runner: the only code that links the student's crate. It
//! builds the student's engine graphs, models and optimizers from plain
//! values, runs them, and returns data: results, gradients (or `Unit` where a
//! tensor has none), losses, parameters. It judges nothing.
//!
//! A student function that returns an error (an `EngineError`, a libtorch
//! error) comes back as a single `Str` starting with `error: `.

mod graph;
mod training;

use a03_autograd as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use student::engine::{tensor, Tensor};

/// The runner of a03-autograd.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a03_autograd" };

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    match function {
        "op_forward" | "op_vjp" | "graph" | "graph_structure" | "pow_errors" | "unbroadcast" => graph::dispatch(function, args),
        "classifier_grads" | "sgd_trajectory" | "regression_tch" | "regression_engine" | "split" | "train_classifier"
        | "predict" => training::dispatch(function, args),
        // function, then its arguments: two calls in a row, without reseeding in between
        "twice" => {
            let inner = match args.0.first() {
                Some(Value::Str(name)) if name != "twice" => name.clone(),
                Some(other) => return Err(DispatchError::BadArgument { index: 0, expected: "a function name", got: other.type_name() }),
                None => return Err(DispatchError::BadArgument { index: 0, expected: "a function name", got: "nothing" }),
            };
            let rest = Args(args.0[1..].to_vec());
            let mut outputs = dispatch(&inner, &rest)?;
            outputs.extend(dispatch(&inner, &rest)?);
            Ok(outputs)
        }
        other => Err(DispatchError::UnknownFunction(other.to_string())),
    }
}

/// Argument `index` as a string.
pub(crate) fn string(args: &Args, index: usize) -> Result<&str, DispatchError> {
    match args.0.get(index) {
        Some(Value::Str(s)) => Ok(s),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a string", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a string", got: "nothing" }),
    }
}

/// Argument `index` as a list of values.
pub(crate) fn list(args: &Args, index: usize) -> Result<&[Value], DispatchError> {
    match args.0.get(index) {
        Some(Value::List(items)) => Ok(items),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a list", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a list", got: "nothing" }),
    }
}

/// The tensors of a list argument.
pub(crate) fn tensors(args: &Args, index: usize) -> Result<Vec<tch::Tensor>, DispatchError> {
    let items = Args(list(args, index)?.to_vec());
    (0..items.0.len()).map(|i| items.tensor(i)).collect()
}

/// A tensor's gradient as a value: the tensor, or `Unit` when it has none.
pub(crate) fn grad_value(t: &Tensor) -> Result<Value, DispatchError> {
    match t.grad() {
        Some(g) => out(&g),
        None => Ok(Value::Unit),
    }
}

/// A list of floats.
pub(crate) fn floats(values: &[f64]) -> Value {
    Value::List(values.iter().map(|&v| Value::F64(v)).collect())
}

/// The one-value answer for a student function that returned an error.
pub(crate) fn error(e: impl std::fmt::Display) -> Vec<Value> {
    vec![Value::Str(format!("error: {e}"))]
}

/// A leaf of the student's engine.
pub(crate) fn leaf(data: tch::Tensor, requires_grad: bool) -> Tensor {
    tensor(data, requires_grad)
}
