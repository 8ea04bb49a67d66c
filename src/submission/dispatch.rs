use crate::value::{TensorData, Value, ValueError};
use tch::Tensor;

/// Maps a function name and arguments to a call into the student's crate.
/// Each assignment's runner crate provides one; it is the only code that
/// links the student's crate.
pub type Dispatch = fn(&str, &Args) -> Result<Vec<Value>, DispatchError>;

/// What an assignment's runner crate provides: the dispatch, and the name of
/// the student's crate (to point panic messages at the student's own line).
#[derive(Debug, Clone, Copy)]
pub struct Runner {
    /// Calls the student's functions.
    pub dispatch: Dispatch,
    /// The student crate's name as code sees it, e.g. `a01_tensors`.
    pub student_crate: &'static str,
}

/// Why a dispatch could not make the call or read its result.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DispatchError {
    /// The runner has no function of this name (grader and runner out of step).
    #[error("the runner has no function `{0}`")]
    UnknownFunction(String),
    /// An argument is missing or of the wrong type (grader and runner out of step).
    #[error("argument {index} must be {expected}, got {got}")]
    BadArgument {
        /// position
        index: usize,
        /// wanted type
        expected: &'static str,
        /// type present
        got: &'static str,
    },
    /// The student's output could not be converted.
    #[error("the returned value could not be read: {0}")]
    Output(#[from] ValueError),
    /// The runner itself failed around the call (e.g. writing an input file).
    #[error("the runner could not {0}")]
    Runner(String),
}

/// Typed access to a call's arguments.
#[derive(Debug, Clone, Default)]
pub struct Args(pub Vec<Value>);

impl Args {
    fn get(&self, index: usize, expected: &'static str) -> Result<&Value, DispatchError> {
        self.0.get(index).ok_or(DispatchError::BadArgument { index, expected, got: "nothing" })
    }

    fn bad(index: usize, expected: &'static str, got: &Value) -> DispatchError {
        DispatchError::BadArgument { index, expected, got: got.type_name() }
    }

    /// Argument `index` as a (CPU) tensor.
    pub fn tensor(&self, index: usize) -> Result<Tensor, DispatchError> {
        match self.get(index, "a tensor")? {
            Value::Tensor(t) => Ok(t.to_tensor()?),
            other => Err(Self::bad(index, "a tensor", other)),
        }
    }

    /// Argument `index` as raw tensor data.
    pub fn tensor_data(&self, index: usize) -> Result<&TensorData, DispatchError> {
        match self.get(index, "a tensor")? {
            Value::Tensor(t) => Ok(t),
            other => Err(Self::bad(index, "a tensor", other)),
        }
    }

    /// Argument `index` as an integer.
    pub fn i64(&self, index: usize) -> Result<i64, DispatchError> {
        match self.get(index, "an integer")? {
            Value::I64(v) => Ok(*v),
            other => Err(Self::bad(index, "an integer", other)),
        }
    }

    /// Argument `index` as a float (integers are accepted).
    pub fn f64(&self, index: usize) -> Result<f64, DispatchError> {
        match self.get(index, "a float")? {
            Value::F64(v) => Ok(*v),
            Value::I64(v) => Ok(*v as f64),
            other => Err(Self::bad(index, "a float", other)),
        }
    }

    /// Argument `index` as a bool.
    pub fn bool(&self, index: usize) -> Result<bool, DispatchError> {
        match self.get(index, "a bool")? {
            Value::Bool(v) => Ok(*v),
            other => Err(Self::bad(index, "a bool", other)),
        }
    }

    /// Argument `index` as a list of integers.
    pub fn i64_list(&self, index: usize) -> Result<Vec<i64>, DispatchError> {
        match self.get(index, "a list of integers")? {
            Value::List(items) => items
                .iter()
                .map(|v| match v {
                    Value::I64(x) => Ok(*x),
                    other => Err(Self::bad(index, "a list of integers", other)),
                })
                .collect(),
            other => Err(Self::bad(index, "a list of integers", other)),
        }
    }
}

/// Converts a student's tensor into an output value.
pub fn out(tensor: &Tensor) -> Result<Value, DispatchError> {
    Ok(Value::tensor(tensor)?)
}
