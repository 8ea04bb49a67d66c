//! Part A: the scalar loss l(w) = ½ (w·x − t)², its gradient by hand, and a
//! central finite-difference gradient to check it with.
//!
//! No autograd in this file: `backward`, `grad`, `requires_grad_`,
//! `set_requires_grad` and `run_backward` are forbidden here.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Exercise 1: the loss l(w) = ½ (w·x − t)² for 1-D f64 tensors `w` and `x` of the same length.
pub fn loss(w: &Tensor, x: &Tensor, t: f64) -> f64 {
    // TODO: the dot product w·x, minus t, squared, halved
    todo!()
}

/// Exercise 2: the gradient ∇_w l = (w·x − t) · x, worked out by hand (an f64 tensor shaped like `w`).
pub fn analytic_gradient(w: &Tensor, x: &Tensor, t: f64) -> Tensor {
    // TODO: the residual w·x − t times the input x
    todo!()
}

/// Exercise 3: the central finite-difference gradient of [`loss`] at `w`: for each i,
/// (l(w + eps·eᵢ) − l(w − eps·eᵢ)) / (2·eps), as an f64 tensor shaped like `w`.
pub fn finite_difference_gradient(w: &Tensor, x: &Tensor, t: f64, eps: f64) -> Tensor {
    // TODO: nudge one coordinate at a time, both ways, and divide by 2·eps
    todo!()
}
