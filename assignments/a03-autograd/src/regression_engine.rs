//! Task 5: Task 1 again, on your own engine and your own `Sgd`. The curve
//! of per-epoch MSE must be the one Task 1 prints.

#[allow(unused_imports)]
use crate::engine::{tensor, EngineError, Optimizer, Sgd};

/// The same training as `train_regression_tch` (same data, start, order,
/// learning rate and epochs), with [`crate::engine::Tensor`] and
/// [`Sgd`]. Prints and returns the MSE of each epoch.
pub fn train_regression_engine(
    x: &tch::Tensor,
    y: &tch::Tensor,
    w_init: &tch::Tensor,
    b_init: &tch::Tensor,
    lr: f64,
    epochs: i64,
) -> Result<Vec<f64>, EngineError> {
    // TODO: leaves w and b that require grad, an Sgd over them, then the per-row loop
    todo!()
}
