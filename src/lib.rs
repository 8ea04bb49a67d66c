//! # gradwork
//!
//! An autograding harness for a hands-on deep-learning course built on
//! libtorch (the `tch` crate). Students run `cargo test -p <assignment>` and
//! get one line per check with points and an actionable message; instructors
//! run `gradwork grade <assignment> --submissions DIR --out OUT` and get
//! Gradescope `results.json` files and a `scores.csv`.
//!
//! The architecture has one rule: **a submission can never change its own
//! score**. A check suite ([`suite::Suite`]) is trusted code that makes
//! inputs from a printed seed, computes the expected answer with libtorch,
//! and judges. It reaches the student's code only through
//! [`submission::Submission`]: in-process for the student's own `cargo test`,
//! or an isolated runner process per submission for grading. Runners return
//! data ([`value::Value`]), never verdicts.
//!
//! ```
//! use gradwork::compare::{compare_tensors, CompareOptions};
//! let expected = tch::Tensor::from_slice(&[1.0f32, 2.0]);
//! let actual = tch::Tensor::from_slice(&[1.0f32, 2.0]);
//! assert!(compare_tensors(&expected, &actual, &CompareOptions::default()).is_ok());
//! ```

#![warn(missing_docs)]

pub mod archive;
pub mod cargo;
pub mod cli;
pub mod compare;
pub mod course;
pub mod dev;
pub mod exit_codes;
pub mod forbidden;
pub mod glob;
pub mod grade;
pub mod gradcheck;
pub mod grader;
pub mod inputs;
pub mod leakage;
pub mod outputs;
pub mod libtorch;
pub mod plot;
pub mod report;
pub mod result;
pub mod rubric;
pub mod samples;
pub mod scratch;
pub mod sandbox;
pub mod snapshot;
pub mod stats;
pub mod student;
pub mod submission;
pub mod suite;
pub mod torch_rng;
pub mod value;
pub mod workspace;

/// This gradwork's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
