//! Assignment a05-cnn-leakage: a tiny CNN, and a result that is too good to be true.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a05-cnn-leakage` to see which checks pass.
//!
//! - [`model`]: `TinyCnn`, the notebook's small convolutional network (exercise 1).
//! - [`train`]: accuracy, prediction and the training pipeline (exercises 2–4).
//! - [`data`]: the dot-vs-ring images, the notebook's generator and yours, and a split (exercises 5 and 9).
//! - [`sanity`]: the two sanity checks that expose leaks (exercises 6 and 7).
//! - [`answer`]: your explanation of the bug (exercise 8).

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

pub mod answer;
pub mod data;
pub mod model;
pub mod sanity;
pub mod train;

pub use answer::explain_bug;
pub use data::{make_images, make_images_notebook, split_indices, Split, SIZE};
pub use model::TinyCnn;
pub use sanity::{near_duplicates, shuffled_label_check, SanityReport};
pub use train::{accuracy, predict, train_and_predict};
