use super::invoke::invoke;
use super::{Args, CallError, Runner, Submission};
use crate::value::Value;
use std::sync::mpsc;
use std::time::Instant;

/// Runs the student's functions in this process (the student's `cargo test`).
///
/// Each call runs on its own thread so that an infinite loop costs only its
/// check: after the deadline the call is reported as timed out and its thread
/// is abandoned. Aborts and segfaults cannot be caught in-process; batch
/// grading uses [`super::Isolated`] for that.
pub struct InProcess {
    runner: Runner,
}

impl InProcess {
    /// A submission that calls the runner's dispatch directly.
    pub fn new(runner: Runner) -> Self {
        InProcess { runner }
    }
}

impl Submission for InProcess {
    fn call(&mut self, function: &str, args: Vec<Value>, seed: u64, deadline: Instant) -> Result<Vec<Value>, CallError> {
        let (tx, rx) = mpsc::channel();
        let runner = self.runner;
        let name = function.to_string();
        let spawned = std::thread::Builder::new()
            .name(format!("student:{function}"))
            .spawn(move || {
                let _ = tx.send(invoke(runner, &name, &Args(args), seed));
            });
        if let Err(e) = spawned {
            return Err(CallError::Crashed { reason: format!("could not start a thread: {e}"), stderr_tail: String::new() });
        }
        let limit = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(limit) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(CallError::TimedOut { limit_s: limit.as_secs_f64() }),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(CallError::Crashed {
                reason: "the call's thread ended without a result".into(),
                stderr_tail: String::new(),
            }),
        }
    }

    fn mode(&self) -> &'static str {
        "in-process"
    }
}
