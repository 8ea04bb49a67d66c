//! Calling a runner's dispatch with panics caught and described, shared by
//! the in-process submission and the runner process.

use super::{Args, CallError, Runner};
use crate::value::Value;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// The student crate's name while this thread runs student code: its
    /// panics are recorded, not printed.
    static STUDENT_CRATE: Cell<Option<&'static str>> = const { Cell::new(None) };
    static LAST_PANIC: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Longest panic message kept; libtorch errors carry long C++ traces.
const MAX_MESSAGE: usize = 1500;

/// Installs (once) a panic hook that records panics of student code instead of
/// printing them; panics elsewhere still go to the previous hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let Some(student_crate) = STUDENT_CRATE.with(|c| c.get()) else {
                previous(info);
                return;
            };
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".to_string());
            let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            // A panic inside a library (tch's `unwrap` of a libtorch error, say) is
            // reported at the student's line that called into it.
            let location = match location {
                Some(l) if !l.starts_with('/') => Some(l),
                other => student_frame(student_crate).or(other),
            };
            LAST_PANIC.with(|p| *p.borrow_mut() = Some((clean_message(&message), location)));
        }));
    });
}

/// The location of the innermost frame of the student's crate, from a backtrace.
fn student_frame(student_crate: &str) -> Option<String> {
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let prefix = format!("{student_crate}::");
    let mut in_student = false;
    for line in trace.lines() {
        let line = line.trim();
        if let Some(symbol) = line.split_once(": ").map(|(_, s)| s).filter(|_| line.starts_with(|c: char| c.is_ascii_digit())) {
            in_student = symbol.starts_with(&prefix);
        } else if let Some(at) = line.strip_prefix("at ") {
            if in_student {
                // Debug info holds absolute paths: keep the part the student knows, `src/...`.
                let at = at.trim_start_matches("./");
                return Some(at.rfind("/src/").map(|i| at[i + 1..].to_string()).unwrap_or_else(|| at.to_string()));
            }
        }
    }
    None
}

/// Drops libtorch's C++ stack trace and caps the length.
fn clean_message(message: &str) -> String {
    let message = match message.find("\nException raised from").or_else(|| message.find("Exception raised from")) {
        Some(cut) => format!("{}\")", &message[..cut]),
        None => message.to_string(),
    };
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more characters)", &message[..end], message.len() - end)
}

/// Seeds libtorch's generator and calls the student's function, turning a panic
/// into [`CallError::Panicked`] or [`CallError::NotImplemented`].
pub fn invoke(runner: Runner, function: &str, args: &Args, seed: u64) -> Result<Vec<Value>, CallError> {
    install_hook();
    tch::manual_seed(seed as i64);
    STUDENT_CRATE.with(|c| c.set(Some(runner.student_crate)));
    // Every call starts with gradients on, as a fresh program does: a panic
    // inside the student's `tch::no_grad` never restores the thread's mode,
    // and the runner would otherwise carry it into every later call.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| tch::with_grad(|| (runner.dispatch)(function, args))));
    STUDENT_CRATE.with(|c| c.set(None));
    match outcome {
        Ok(Ok(values)) => Ok(values),
        Ok(Err(e)) => Err(CallError::Dispatch(e.to_string())),
        Err(_) => {
            let (message, location) = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| ("(a panic without a message)".to_string(), None));
            Err(CallError::from_panic(message, location))
        }
    }
}
