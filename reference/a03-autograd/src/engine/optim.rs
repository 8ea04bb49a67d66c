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
        // BEGIN SOLUTION: no gradient on any parameter
        for p in &self.params {
            p.set_grad(None);
        }
        // END SOLUTION
    }

    fn step(&mut self) {
        // BEGIN SOLUTION: every parameter that has a gradient moves by −lr × grad; one without (None) stays
        for p in &self.params {
            if let Some(g) = p.grad() {
                p.set_data(p.data() - g * self.lr);
            }
        }
        // END SOLUTION
    }
}
