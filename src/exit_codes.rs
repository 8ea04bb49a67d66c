//! Exit codes of the `gradwork` binary and of grader binaries.

/// Everything asked for was done (grading completed, whatever the scores).
pub const SUCCESS: u8 = 0;
/// A policy failed: `dev check` found a reference below full marks or a stub above zero.
pub const POLICY_FAILURE: u8 = 1;
/// The harness could not do its job: bad arguments, broken rubric, unwritable output.
pub const HARNESS_FAILURE: u8 = 2;
