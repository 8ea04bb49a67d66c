//! Assignment a02-gradients: gradients by hand, checked by finite differences
//! and by autograd.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a02-gradients` to see which checks pass.
//!
//! - [`scalar`]: the loss ½(w·x − t)², its gradient by hand and by finite differences;
//! - [`warmup`]: the same kind of derivative with libtorch's autograd;
//! - [`mlp`]: a two-layer network, forward and backward by hand;
//! - [`gradient_check`]: your own gradient checker;
//! - [`data`]: the two Gaussian clusters the network trains on (given).
//!
//! Autograd (`backward`, `grad`, `requires_grad_`, …) is allowed in `warmup.rs`
//! only: everything else computes its gradients by hand.

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

pub mod data;
pub mod gradient_check;
pub mod mlp;
pub mod scalar;
pub mod warmup;
