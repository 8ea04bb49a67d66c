//! Part B: the autograd warm-up. This is the one file where libtorch's
//! autograd is allowed (and needed): mark a tensor with `requires_grad`,
//! compute with it, call `backward()`, read `grad()`.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Exercise 4: dy/dx of y = (3x + 2)² / 2 at `x`, computed by tch's autograd
/// (not by the formula you can derive by hand). At x = 2 it is 24.
pub fn derivative_at(x: f64) -> f64 {
    // BEGIN SOLUTION: a 1-element f64 tensor that requires grad, y from it, y.backward(), then x.grad()
    let x = Tensor::from_slice(&[x]).set_requires_grad(true);
    let y = (&x * 3.0 + 2.0).square() / 2.0;
    y.sum(Kind::Double).backward();
    x.grad().double_value(&[0])
    // END SOLUTION
}

/// Exercise 5: the gradient of Part A's loss ½ (w·x − t)² with respect to `w`,
/// computed by autograd. It must agree with your `analytic_gradient`, and
/// leave the caller's `w` as it was: work on a copy of it, so that a second
/// call gives the same answer.
pub fn autograd_gradient(w: &Tensor, x: &Tensor, t: f64) -> Tensor {
    // BEGIN SOLUTION: a copy of w that requires grad, the loss as a tensor, backward, then its grad
    let w = w.detach().copy().set_requires_grad(true);
    let residual = w.dot(x) - t;
    let loss = residual.square() * 0.5;
    loss.backward();
    w.grad().detach().copy()
    // END SOLUTION
}
