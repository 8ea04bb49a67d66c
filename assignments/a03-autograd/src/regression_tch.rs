//! Task 1: linear regression y ≈ x·w + b with libtorch's own tensors,
//! autograd and `nn::Sgd`, one sample at a time.

#[allow(unused_imports)]
use tch::{nn, nn::OptimizerConfig, Device, Kind, TchError, Tensor};

/// Trains w (2, 1) and b (1, 1), starting from copies of `w_init` and
/// `b_init`, on the rows of `x` (N, 2) and `y` (N, 1): for each epoch, for
/// each row in order, predict x_row·w + b, take the squared error, and make
/// one `nn::Sgd` step with learning rate `lr`. Prints and returns the mean
/// squared error of each epoch (the average of that epoch's per-row errors,
/// each measured before its step). Everything in f64.
pub fn train_regression_tch(x: &Tensor, y: &Tensor, w_init: &Tensor, b_init: &Tensor, lr: f64, epochs: i64) -> Result<Vec<f64>, TchError> {
    // TODO: a VarStore of kind Double holding w and b, nn::Sgd, then the per-row loop
    todo!()
}
