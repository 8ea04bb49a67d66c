//! Calling a dispatch with panics caught and described, shared by the
//! in-process submission and the runner process.

use super::{Args, CallError, Dispatch};
use crate::value::Value;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// True while this thread runs student code: its panics are recorded, not printed.
    static IN_STUDENT_CODE: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once) a panic hook that records panics of student code instead of
/// printing them; panics elsewhere still go to the previous hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_STUDENT_CODE.with(|c| c.get()) {
                let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    s.to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "(a panic without a message)".to_string()
                };
                let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LAST_PANIC.with(|p| *p.borrow_mut() = Some((message, location)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Seeds libtorch's generator and calls the student's function, turning a panic
/// into [`CallError::Panicked`] or [`CallError::NotImplemented`].
pub fn invoke(dispatch: Dispatch, function: &str, args: &Args, seed: u64) -> Result<Vec<Value>, CallError> {
    install_hook();
    tch::manual_seed(seed as i64);
    IN_STUDENT_CODE.with(|c| c.set(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| dispatch(function, args)));
    IN_STUDENT_CODE.with(|c| c.set(false));
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
