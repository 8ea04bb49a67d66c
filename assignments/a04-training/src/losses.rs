//! Exercises 7–9: the mean squared error written by hand, the L1 penalty, and
//! accuracy from logits.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Exercise 7 (the notebook's Exercise C): a mean squared error that behaves
/// like libtorch's `mse_loss` with mean reduction, written by hand.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanSquaredOops;

impl MeanSquaredOops {
    /// The criterion.
    pub fn new() -> MeanSquaredOops {
        MeanSquaredOops
    }

    /// The mean over every element of `(prediction - target)²`, as a 0-d
    /// tensor that autograd can differentiate. Both tensors have the same shape.
    pub fn forward(&self, prediction: &Tensor, target: &Tensor) -> Tensor {
        // TODO: square the differences, then average over all elements
        todo!()
    }
}

/// Exercise 8: the L1 penalty Σ |w| over every element of every tensor in
/// `params`, as a 0-d tensor that autograd can differentiate (0 for no params).
pub fn l1_penalty(params: &[Tensor]) -> Tensor {
    // TODO: sum of absolute values, tensor by tensor, added up
    todo!()
}

/// Exercise 9: the fraction of rows of `logits` (n × classes) whose largest
/// entry is at the index `y` (n, i64) says. With no rows (n = 0) it is NaN
/// (0 / 0, the mean of nothing).
pub fn accuracy_from_logits(logits: &Tensor, y: &Tensor) -> f64 {
    // TODO: predicted class = argmax over the class dimension
    todo!()
}
