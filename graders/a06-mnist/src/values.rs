//! Reading the runner's outputs. A wrong type here means grader and runner
//! are out of step (a grader bug), never the student's fault.

use gradwork::suite::Failure;
use gradwork::value::Value;
use tch::Tensor;

fn mismatch(what: &str, expected: &str, got: &Value) -> Failure {
    Failure::Grader(format!("the runner sent {} for {what} where {expected} was expected", got.type_name()))
}

/// A float output.
pub fn float(v: &Value, what: &str) -> Result<f64, Failure> {
    match v {
        Value::F64(x) => Ok(*x),
        other => Err(mismatch(what, "a float", other)),
    }
}

/// A text output.
pub fn text(v: &Value, what: &str) -> Result<String, Failure> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(mismatch(what, "a string", other)),
    }
}

/// A list of integers.
pub fn ints(v: &Value, what: &str) -> Result<Vec<i64>, Failure> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::I64(x) => Ok(*x),
                other => Err(mismatch(what, "an integer", other)),
            })
            .collect(),
        other => Err(mismatch(what, "a list of integers", other)),
    }
}

/// A list of values.
pub fn list<'a>(v: &'a Value, what: &str, len: usize) -> Result<&'a [Value], Failure> {
    match v {
        Value::List(items) if items.len() == len => Ok(items),
        other => Err(mismatch(what, &format!("a list of {len} values"), other)),
    }
}

/// A tensor output, as a CPU tensor.
pub fn tensor(v: &Value, what: &str) -> Result<Tensor, Failure> {
    match v {
        Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("{what} is an unreadable tensor: {e}"))),
        other => Err(mismatch(what, "a tensor", other)),
    }
}
