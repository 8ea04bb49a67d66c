//! Task 5: optimizers for the engine's parameters.

use super::Tensor;

/// What every optimizer does: forget the old gradients, and take a step.
pub trait Optimizer {
    /// Clears the gradient of every parameter (before the next backward pass).
    fn zero_grad(&mut self);
    /// Updates every parameter from its gradient.
    fn step(&mut self);
}

/// Plain stochastic gradient descent: p ← p − lr · p.grad.
pub struct Sgd {
    /// the parameters (handles to the model's tensors)
    pub params: Vec<Tensor>,
    /// the learning rate
    pub lr: f64,
}

impl Sgd {
    /// An optimizer for `params` with learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> Sgd {
        Sgd { params, lr }
    }
}

impl Optimizer for Sgd {
    fn zero_grad(&mut self) {
        // TODO: no gradient on any parameter
        todo!()
    }

    fn step(&mut self) {
        // TODO: every parameter that has a gradient moves by −lr × grad; one without (None) stays
        todo!()
    }
}
