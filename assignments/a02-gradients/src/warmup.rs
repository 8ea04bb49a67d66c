//! Part B: the autograd warm-up. This is the one file where libtorch's
//! autograd is allowed (and needed): mark a tensor with `requires_grad`,
//! compute with it, call `backward()`, read `grad()`.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Exercise 4: dy/dx of y = (3x + 2)² / 2 at `x`, computed by tch's autograd
/// (not by the formula you can derive by hand). At x = 2 it is 24.
pub fn derivative_at(x: f64) -> f64 {
    // TODO: a 1-element f64 tensor that requires grad, y from it, y.backward(), then x.grad()
    todo!()
}

/// Exercise 5: the gradient of Part A's loss ½ (w·x − t)² with respect to `w`,
/// computed by autograd. It must agree with your `analytic_gradient`, and
/// leave the caller's `w` as it was: work on a copy of it, so that a second
/// call gives the same answer.
pub fn autograd_gradient(w: &Tensor, x: &Tensor, t: f64) -> Tensor {
    // TODO: a copy of w that requires grad, the loss as a tensor, backward, then its grad
    todo!()
}
