//! The `Submission` interface: call a named student function with inputs, get
//! outputs or a failure. Check suites are written once against it; two
//! implementations run them:
//!
//! - [`InProcess`]: the student's own `cargo test`, fast, one thread per call
//!   with `catch_unwind` and a wall-clock limit;
//! - [`Isolated`]: batch grading, a runner child process per submission that
//!   is restarted after a crash and killed after a timeout.

mod call_error;
mod dispatch;
mod in_process;
mod invoke;
mod isolated;
mod protocol;
mod scratch;

pub use call_error::CallError;
pub use dispatch::{out, Args, Dispatch, DispatchError, Runner};
pub use in_process::InProcess;
pub use isolated::{Isolated, RunnerCommand};
pub use protocol::{serve, Request, Response};
pub use scratch::Scratch;

use crate::value::Value;
use std::time::Instant;

/// Something that can run a student's functions.
pub trait Submission {
    /// Calls `function` with `args`. Randomness inside the call is seeded with
    /// `seed`; the call must finish before `deadline`.
    fn call(&mut self, function: &str, args: Vec<Value>, seed: u64, deadline: Instant) -> Result<Vec<Value>, CallError>;

    /// `in-process` or `isolated`, for report headers.
    fn mode(&self) -> &'static str;
}
