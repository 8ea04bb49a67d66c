use serde::{Deserialize, Serialize};

/// Why a call into student code returned no outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallError {
    /// The function still holds its `todo!()`.
    NotImplemented {
        /// where the `todo!()` is, `src/lib.rs:42:5`
        location: Option<String>,
    },
    /// The function panicked.
    Panicked {
        /// the panic message
        message: String,
        /// `file:line:column`
        location: Option<String>,
    },
    /// The function returned something the runner could not turn into outputs,
    /// or was called with arguments it does not take.
    Dispatch(String),
    /// The call did not finish within the limit; the runner was killed.
    TimedOut {
        /// the limit in seconds
        limit_s: f64,
    },
    /// The runner process died during the call.
    Crashed {
        /// what happened, in words (signal, exit status)
        reason: String,
        /// the end of what the process wrote to stderr
        stderr_tail: String,
    },
    /// The runner process ran out of memory.
    OutOfMemory {
        /// the memory limit in MiB
        limit_mb: u64,
        /// the end of what the process wrote to stderr
        stderr_tail: String,
    },
    /// The runner answered with something that is not a valid response.
    Protocol(String),
}

impl CallError {
    /// Classifies a panic by its message: `todo!()` becomes [`CallError::NotImplemented`].
    pub fn from_panic(message: String, location: Option<String>) -> CallError {
        if message.starts_with("not yet implemented") || message.starts_with("not implemented") {
            CallError::NotImplemented { location }
        } else {
            CallError::Panicked { message, location }
        }
    }
}
