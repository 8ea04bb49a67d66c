//! Assignment a03-autograd: software for neural-network training.
//!
//! Read README.md for the tasks. Replace each `todo!()` with your code, then
//! run `cargo test -p a03-autograd` to see which checks pass.
//!
//! - [`regression_tch`]: Task 1, linear regression with libtorch's autograd and `nn::Sgd`;
//! - [`engine`]: Tasks 2–5, your own autograd engine and optimizer;
//! - [`regression_engine`]: Task 5, Task 1 again on your engine;
//! - [`classifier`]: Task 6, a classifier trained with your engine;
//! - [`data`]: reading the shipped CSV files (given).

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

pub mod classifier;
pub mod data;
pub mod engine;
pub mod regression_engine;
pub mod regression_tch;
