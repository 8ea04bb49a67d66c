//! Random inputs from the check's seeded generator (never libtorch's global
//! one), and reading the runner's answers.

use gradwork::suite::Failure;
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

pub use gradwork::inputs::normal_tensor;

/// An f64 (n, 1) column of random 0/1 labels.
pub fn binary_targets(rng: &mut impl Rng, n: i64) -> Tensor {
    binary_tensor(rng, &[n, 1])
}

/// An f64 tensor of `shape` holding random 0/1 labels.
pub fn binary_tensor(rng: &mut impl Rng, shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| if rng.random_bool(0.5) { 1.0 } else { 0.0 }).collect();
    Tensor::from_slice(&values).view(shape)
}

/// `[2, 3]`
pub fn shape(t: &Tensor) -> String {
    format!("{:?}", t.size())
}

/// A tensor the runner sent.
pub fn tensor(v: &Value, what: &str) -> Result<Tensor, Failure> {
    match v {
        Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("{what} is an unreadable tensor: {e}"))),
        other => Err(Failure::Grader(format!("the runner sent {} for {what}", other.type_name()))),
    }
}

/// A list of floats the runner sent.
pub fn floats(v: &Value, what: &str) -> Result<Vec<f64>, Failure> {
    match v {
        Value::List(items) => Ok(items.iter().map(|x| if let Value::F64(f) = x { *f } else { f64::NAN }).collect()),
        other => Err(Failure::Grader(format!("the runner sent {} for {what}", other.type_name()))),
    }
}

/// A student function that returned an error instead of a result.
pub fn refused(out: &[Value], call: &str) -> Result<(), Failure> {
    match out {
        [Value::Str(message)] => Err(Failure::wrong(format!(
            "`{call}` returned an error where it should have worked: `{}`.",
            message.trim_start_matches("error: ")
        ))),
        _ => Ok(()),
    }
}
