//! The runner protocol: one JSON request per line on the runner's stdin, one
//! JSON response per line on a private copy of its stdout. The student's own
//! prints go to stderr, so they can never be mistaken for a response, and a
//! response carries data only: scores exist only in the grader.

use super::invoke::invoke;
use super::{Args, CallError, Runner};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::os::fd::FromRawFd;
use std::process::ExitCode;

/// Grader → runner: call one function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// Sequence number, echoed in the response.
    pub id: u64,
    /// The function to call.
    pub function: String,
    /// Its arguments.
    pub args: Vec<Value>,
    /// Seed for libtorch's generator during the call.
    pub seed: u64,
}

/// Runner → grader: the outputs of one call, or why there are none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub id: u64,
    /// Outputs or failure.
    pub result: Result<Vec<Value>, CallError>,
}

/// The main loop of a runner binary: answers requests until stdin closes.
///
/// ```no_run
/// fn dispatch(f: &str, _args: &gradwork::submission::Args)
///     -> Result<Vec<gradwork::value::Value>, gradwork::submission::DispatchError> {
///     Err(gradwork::submission::DispatchError::UnknownFunction(f.into()))
/// }
/// fn main() -> std::process::ExitCode {
///     gradwork::submission::serve(gradwork::submission::Runner { dispatch, student_crate: "a00_demo" })
/// }
/// ```
pub fn serve(runner: Runner) -> ExitCode {
    // Keep the real stdout for responses and point fd 1 at stderr, so that
    // `println!` in student code cannot forge or corrupt a response.
    // SAFETY: dup/dup2 on the process's own standard descriptors, before any
    // other thread exists; the duplicate is owned by the File below only.
    let responses = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("gradwork runner: cannot set up the response channel");
            return ExitCode::FAILURE;
        }
        std::fs::File::from_raw_fd(fd)
    };
    let mut responses = std::io::BufWriter::new(responses);
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(req) => Response { id: req.id, result: invoke(runner, &req.function, &Args(req.args), req.seed) },
            Err(e) => Response { id: 0, result: Err(CallError::Protocol(format!("bad request: {e}"))) },
        };
        let written = serde_json::to_writer(&mut responses, &response)
            .map_err(std::io::Error::from)
            .and_then(|_| responses.write_all(b"\n"))
            .and_then(|_| responses.flush());
        if written.is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}
