//! Reading what the runner sends back (its conventions are documented in
//! `runner/src/encode.rs`): named tensors, histories, and the errors a
//! student's function returned.

use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::Tensor;

/// A student's `Err(...)` as the runner reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentError {
    /// `ShapeError::Input`, `DataError::BatchSize`, ...
    pub kind: String,
    /// The error's `Display` text.
    pub message: String,
    /// The numbers the error carries, in declaration order.
    pub numbers: Vec<Value>,
}

/// Calls `function` and splits its outputs into success or the student's error.
pub fn call(ctx: &mut Ctx, function: &str, args: Vec<Value>) -> Result<Result<Vec<Value>, StudentError>, Failure> {
    let values = ctx.call(function, args)?;
    Ok(match values.as_slice() {
        [Value::Str(kind), Value::Str(message), Value::List(numbers)] => {
            Err(StudentError { kind: kind.clone(), message: message.clone(), numbers: numbers.clone() })
        }
        _ => Ok(values),
    })
}

/// Calls `function`, which must succeed; `what` names the call in the message.
pub fn call_ok(ctx: &mut Ctx, what: &str, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Failure> {
    call(ctx, function, args)?.map_err(|e| {
        Failure::wrong(format!("{what} returned `Err({})`: \"{}\". It should succeed on these inputs.", e.kind, e.message))
    })
}

fn grader(what: &str, got: &Value) -> Failure {
    Failure::Grader(format!("the runner sent {} where {what} was expected", got.type_name()))
}

/// Output `index` of `values`.
pub fn at(values: &[Value], index: usize) -> Result<&Value, Failure> {
    values.get(index).ok_or_else(|| Failure::Grader(format!("the runner sent {} outputs, fewer than {}", values.len(), index + 1)))
}

/// A tensor output.
pub fn tensor(v: &Value) -> Result<Tensor, Failure> {
    match v {
        Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("your function returned an unreadable tensor: {e}"))),
        other => Err(grader("a tensor", other)),
    }
}

/// A float output: a number, or a one-element tensor (how the runner sends a
/// float that may be NaN, which JSON cannot carry as a number).
pub fn float(v: &Value) -> Result<f64, Failure> {
    match v {
        Value::F64(x) => Ok(*x),
        Value::I64(x) => Ok(*x as f64),
        Value::Tensor(t) if t.numel() == 1 => Ok(t.values_f64()[0]),
        other => Err(grader("a float", other)),
    }
}

/// An integer output.
pub fn int(v: &Value) -> Result<i64, Failure> {
    match v {
        Value::I64(x) => Ok(*x),
        other => Err(grader("an integer", other)),
    }
}

/// A list output.
pub fn list(v: &Value) -> Result<&[Value], Failure> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(grader("a list", other)),
    }
}

/// A list of integers.
pub fn ints(v: &Value) -> Result<Vec<i64>, Failure> {
    list(v)?.iter().map(int).collect()
}

/// Floats from an f64 tensor output.
pub fn floats(v: &Value) -> Result<Vec<f64>, Failure> {
    match v {
        Value::Tensor(t) => Ok(t.values_f64()),
        other => Err(grader("a tensor of numbers", other)),
    }
}

/// Named tensors from `[[name, tensor], ...]`.
pub fn named(v: &Value) -> Result<Vec<(String, Tensor)>, Failure> {
    list(v)?
        .iter()
        .map(|pair| match pair {
            Value::List(p) => match p.as_slice() {
                [Value::Str(name), t @ Value::Tensor(_)] => Ok((name.clone(), tensor(t)?)),
                _ => Err(grader("a [name, tensor] pair", pair)),
            },
            other => Err(grader("a [name, tensor] pair", other)),
        })
        .collect()
}

/// The MLP's weights as one argument: every tensor flattened, in the order
/// of their names, concatenated into one f32 tensor. The runner knows the
/// handout's layer shapes and cuts it apart again (and a call reads
/// `mlp_forward(2, 8, 3, 0.3, tensor[107] f32, ...)` in messages).
pub fn weights_arg(weights: &[(String, Tensor)]) -> Value {
    let mut sorted: Vec<&(String, Tensor)> = weights.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let parts: Vec<Tensor> = sorted.iter().map(|(_, t)| t.to_kind(tch::Kind::Float).flatten(0, -1)).collect();
    Value::arg(&Tensor::cat(&parts, 0))
}

/// Per-epoch curves of a training run, as the student's `History` holds them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curves {
    /// Mean training loss per epoch.
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch.
    pub val_loss: Vec<f64>,
    /// Validation accuracy per epoch.
    pub val_acc: Vec<f64>,
    /// Learning rate per epoch.
    pub lr: Vec<f64>,
    /// The best epoch, counting from 1.
    pub best_epoch: i64,
}

impl Curves {
    /// The lowest validation loss and its epoch (from 1), NaN epochs skipped.
    pub fn best(&self) -> Option<(i64, f64)> {
        self.val_loss
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .fold(None, |best: Option<(i64, f64)>, (i, &v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((i as i64 + 1, v)),
            })
    }

    /// The highest validation accuracy.
    pub fn best_acc(&self) -> f64 {
        self.val_acc.iter().copied().filter(|v| !v.is_nan()).fold(0.0, f64::max)
    }

    /// Checks that every curve has one entry per epoch.
    pub fn require_epochs(&self, what: &str, epochs: i64) -> Result<(), Failure> {
        for (name, curve) in [("train_loss", &self.train_loss), ("val_loss", &self.val_loss), ("val_acc", &self.val_acc), ("lr", &self.lr)] {
            if curve.len() as i64 != epochs {
                return Err(Failure::wrong(format!(
                    "{what} returned a history whose `{name}` has {} entries for {epochs} epochs: push one value per epoch.",
                    curve.len()
                )));
            }
        }
        Ok(())
    }
}

/// A history from `[train_loss, val_loss, val_acc, lr, best_epoch]`.
pub fn history(v: &Value) -> Result<Curves, Failure> {
    let items = list(v)?;
    Ok(Curves {
        train_loss: floats(at(items, 0)?)?,
        val_loss: floats(at(items, 1)?)?,
        val_acc: floats(at(items, 2)?)?,
        lr: floats(at(items, 3)?)?,
        best_epoch: int(at(items, 4)?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::Curves;

    #[test]
    fn the_best_epoch_skips_nan_and_keeps_the_first_minimum() {
        let curves = Curves { val_loss: vec![f64::NAN, 0.5, 0.2, 0.2, f64::NAN, 0.3], ..Curves::default() };
        assert_eq!(curves.best(), Some((3, 0.2)));
        assert_eq!(Curves { val_loss: vec![f64::NAN], ..Curves::default() }.best(), None);
    }
}
