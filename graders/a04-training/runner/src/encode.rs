//! Plain values in and out: named weights, histories, student errors.
//!
//! Conventions shared with the grader (`graders/a04-training/src/wire.rs`):
//! - the grader sends an MLP's weights as one flat f32 tensor (see
//!   `models::weights`); named tensors come back as a list of `[name, tensor]`
//!   pairs, sorted by name;
//! - a history is `[train_loss, val_loss, val_acc, lr, best_epoch]`, the
//!   curves as f64 tensors;
//! - a float that may be NaN (a mean over no samples) is a 0-d f64 tensor;
//! - when a student function returns `Err(e)`, the outputs are
//!   `[Str(kind), Str(message), List(numbers)]`: no successful output starts
//!   with a string.

use a04_training::train::History;
use gradwork::submission::{out, Args, DispatchError};
use gradwork::value::Value;
use tch::{nn, Tensor};

/// Named tensors as a list of `[name, tensor]` pairs, sorted by name.
pub fn named(mut tensors: Vec<(String, Tensor)>) -> Result<Value, DispatchError> {
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pairs = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        pairs.push(Value::List(vec![Value::Str(name), out(&t)?]));
    }
    Ok(Value::List(pairs))
}

/// Every variable of a var store, by name.
pub fn variables(vs: &nn::VarStore) -> Result<Value, DispatchError> {
    named(vs.variables().into_iter().collect())
}

/// Argument `index` as a string.
pub fn str_arg(args: &Args, index: usize) -> Result<String, DispatchError> {
    match args.0.get(index) {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a string", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a string", got: "nothing" }),
    }
}

/// Argument `index` as a list of values.
pub fn list_arg(args: &Args, index: usize) -> Result<Vec<Value>, DispatchError> {
    match args.0.get(index) {
        Some(Value::List(items)) => Ok(items.clone()),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a list", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a list", got: "nothing" }),
    }
}

/// A seed argument (sent as a non-negative integer).
pub fn seed_arg(args: &Args, index: usize) -> Result<u64, DispatchError> {
    Ok(args.i64(index)? as u64)
}

/// A float as a 0-d f64 tensor: a mean over no samples is NaN, which JSON
/// cannot carry as a number (the grader reads both forms).
pub fn scalar(value: f64) -> Result<Value, DispatchError> {
    out(&Tensor::from(value))
}

/// A curve as an f64 tensor.
pub fn curve(values: &[f64]) -> Result<Value, DispatchError> {
    out(&Tensor::from_slice(values))
}

/// A history as `[train_loss, val_loss, val_acc, lr, best_epoch]`.
pub fn history(h: &History) -> Result<Value, DispatchError> {
    Ok(Value::List(vec![curve(&h.train_loss)?, curve(&h.val_loss)?, curve(&h.val_acc)?, curve(&h.lr)?, Value::I64(h.best_epoch)]))
}

/// The outputs of a student function that returned `Err`: its kind, its
/// message, and the numbers it carries.
pub fn student_error(kind: &str, message: String, numbers: Vec<Value>) -> Vec<Value> {
    vec![Value::Str(kind.to_string()), Value::Str(message), Value::List(numbers)]
}

/// A shape as a list of integers.
pub fn shape(dims: &[i64]) -> Value {
    dims.to_vec().into()
}
