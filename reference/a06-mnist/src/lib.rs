//! Assignment a06-mnist: real handwritten digits, from the file format to a
//! trained and logged MLP.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a06-mnist` to see which checks pass, and
//! `cargo run -p a06-mnist --example mnist` to train for real.
//!
//! - [`idx`]: the IDX reader (exercise 1).
//! - [`data`]: the four files of a dataset, the 90/10 split (exercises 2–3).
//! - [`model`]: the MLP (exercise 4).
//! - [`train`]: optimiser, step, evaluation, the training run (exercises 5–8).
//! - [`tensorboard`]: a small event-file writer (given).

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

pub mod data;
pub mod idx;
pub mod model;
pub mod tensorboard;
pub mod train;

pub use data::{load_mnist, shipped_digits, split_train_val, Mnist};
pub use idx::{read_idx, read_idx_images, read_idx_labels, Idx, IdxError};
pub use model::Mlp;
pub use train::{evaluate, make_optimizer, train, train_step, History, OptimizerKind, TrainConfig, TrainError, TrainReport};
