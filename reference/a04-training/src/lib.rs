//! Assignment a04-training: data, losses, models and the training loop.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a04-training` to see which checks pass.
//!
//! | module | exercises |
//! |---|---|
//! | [`data`] | toy data sets (moons, circles, a noisy line) and [`data::TensorDataset`] |
//! | [`loader`] | [`loader::DataLoader`]: batches, seeded shuffling, the last partial batch |
//! | [`split`] | train/validation/test splits (70/15/15, 60/20/20) |
//! | [`losses`] | `MeanSquaredOops`, the L1 penalty, accuracy from logits |
//! | [`models`] | the linear regressor (Exercise A) and the MLP classifier |
//! | [`features`] | polar features and the decision-boundary grid |
//! | [`train`] | optimisers, one step, one epoch, evaluation, StepLR, `train_model` |
//! | [`regression`] | fitting the linear regressor, with an optional L1 penalty |
//! | [`checkpoint`] | saving the best epoch to safetensors, and loading it back |
//! | [`experiments`] | SGD vs Adam and learning rates, L1 for d = 10 vs d = 1000, polar features |
//! | [`rng`] | a small seeded random generator (given, nothing to write) |

// The stubs do not use their arguments and fields yet; your solutions will.
#![allow(unused_variables, dead_code)]

pub mod checkpoint;
pub mod data;
pub mod experiments;
pub mod features;
pub mod loader;
pub mod losses;
pub mod models;
pub mod regression;
pub mod rng;
pub mod split;
pub mod train;
