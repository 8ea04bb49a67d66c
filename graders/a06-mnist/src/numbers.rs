//! Floats from the runner. A loss can be NaN or infinite (a diverged run, a
//! mean over no samples), which a JSON number cannot carry, so the runner
//! sends the student's floats as f64 tensors, whose bytes keep every value.

use gradwork::outputs;
use gradwork::suite::Failure;
use gradwork::value::Value;
use tch::Kind;

/// The floats of a 1-d f64 tensor the runner sent.
pub fn floats(v: &Value, what: &str) -> Result<Vec<f64>, Failure> {
    let t = outputs::tensor(v, what)?;
    if t.kind() != Kind::Double || t.dim() != 1 {
        return Err(Failure::Grader(format!("the runner sent {what} as a {:?} tensor of shape {:?}, not 1-d f64", t.kind(), t.size())));
    }
    Vec::<f64>::try_from(&t).map_err(|e| Failure::Grader(format!("{what}: {e}")))
}

/// The one float of a 1-element f64 tensor the runner sent.
pub fn float(v: &Value, what: &str) -> Result<f64, Failure> {
    match floats(v, what)?.as_slice() {
        [x] => Ok(*x),
        other => Err(Failure::Grader(format!("the runner sent {} values for {what}, not one", other.len()))),
    }
}
