//! Reading the values a runner sends back ([`Value`]) as the types a check
//! needs. A value of the wrong type means that grader and runner are out of
//! step (a grader bug, reported as [`Failure::Grader`]), never the student's
//! fault; `what` names the value in that message.
//!
//! ```
//! use gradwork::outputs;
//! use gradwork::value::Value;
//! assert_eq!(outputs::float(&Value::F64(0.5), "the loss").ok(), Some(0.5));
//! assert!(outputs::text(&Value::F64(0.5), "the name").is_err());
//! ```

use crate::suite::Failure;
use crate::value::Value;
use tch::Tensor;

fn mismatch(what: &str, expected: &str, got: &Value) -> Failure {
    Failure::Grader(format!("the runner sent {} for {what} where {expected} was expected", got.type_name()))
}

/// A float (an integer is widened).
pub fn float(v: &Value, what: &str) -> Result<f64, Failure> {
    match v {
        Value::F64(x) => Ok(*x),
        Value::I64(x) => Ok(*x as f64),
        other => Err(mismatch(what, "a float", other)),
    }
}

/// An integer.
pub fn int(v: &Value, what: &str) -> Result<i64, Failure> {
    match v {
        Value::I64(x) => Ok(*x),
        other => Err(mismatch(what, "an integer", other)),
    }
}

/// A bool.
pub fn flag(v: &Value, what: &str) -> Result<bool, Failure> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(mismatch(what, "a bool", other)),
    }
}

/// A text.
pub fn text(v: &Value, what: &str) -> Result<String, Failure> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(mismatch(what, "a string", other)),
    }
}

/// A list of `len` values.
pub fn list_of_len<'a>(v: &'a Value, what: &str, len: usize) -> Result<&'a [Value], Failure> {
    match v {
        Value::List(items) if items.len() == len => Ok(items),
        other => Err(mismatch(what, &format!("a list of {len} values"), other)),
    }
}

/// A list of integers.
pub fn ints(v: &Value, what: &str) -> Result<Vec<i64>, Failure> {
    match v {
        Value::List(items) => items.iter().map(|item| int(item, what)).collect(),
        other => Err(mismatch(what, "a list of integers", other)),
    }
}

/// A list of floats.
pub fn floats(v: &Value, what: &str) -> Result<Vec<f64>, Failure> {
    match v {
        Value::List(items) => items.iter().map(|item| float(item, what)).collect(),
        other => Err(mismatch(what, "a list of floats", other)),
    }
}

/// A tensor, as a CPU tensor. A tensor that cannot be rebuilt is the
/// student's (e.g. a dtype libtorch cannot hold), so it fails the check.
pub fn tensor(v: &Value, what: &str) -> Result<Tensor, Failure> {
    match v {
        Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("{what} is an unreadable tensor: {e}"))),
        other => Err(mismatch(what, "a tensor", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_the_wrong_type_is_a_grader_bug_that_names_it() {
        match ints(&Value::List(vec![Value::I64(1), Value::F64(2.0)]), "the order") {
            Err(Failure::Grader(m)) => assert!(m.contains("for the order where an integer was expected"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(list_of_len(&Value::List(vec![]), "the pair", 2), Err(Failure::Grader(_))));
        assert_eq!(floats(&Value::List(vec![Value::F64(0.5), Value::I64(2)]), "x").ok(), Some(vec![0.5, 2.0]));
        assert_eq!(flag(&Value::Bool(true), "ok").ok(), Some(true));
    }
}
