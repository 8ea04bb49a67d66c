//! Exercise 21: fitting the linear regressor with MSE and Adam, with an
//! optional L1 penalty on its weights.

#[allow(unused_imports)]
use crate::loader::DataLoader;
#[allow(unused_imports)]
use crate::losses::{l1_penalty, MeanSquaredOops};
#[allow(unused_imports)]
use crate::models::{LinearRegressor, ShapeError};
#[allow(unused_imports)]
use crate::train::{make_optimizer, OptimizerKind, TrainError};
#[allow(unused_imports)]
use tch::{nn, Tensor};

/// How [`fit_regression`] trains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionConfig {
    /// Number of epochs.
    pub epochs: i64,
    /// Adam's learning rate.
    pub lr: f64,
    /// Weight λ of the L1 penalty λ·Σ|w| over every trainable variable; 0 for none.
    pub l1: f64,
}

/// Per-epoch curves of [`fit_regression`]; entry `i` belongs to epoch `i + 1`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegressionFit {
    /// Mean squared error over the epoch's training samples (without the penalty).
    pub train_loss: Vec<f64>,
    /// Mean squared error over the validation samples after the epoch.
    pub val_loss: Vec<f64>,
}

/// Exercise 21: fits `model` (its variables live in `vs`) with Adam
/// (`config.lr`, no weight decay) for `config.epochs` epochs over `train`,
/// minimising [`MeanSquaredOops`] plus `config.l1 ·` [`l1_penalty`] of every
/// trainable variable. Losses are averaged over samples (each batch weighted
/// by its size), validation without gradients.
///
/// Before any step, a batch whose shapes do not fit fails with
/// `TrainError::Shape`: [`ShapeError::Input`] from [`LinearRegressor::forward`],
/// or [`ShapeError::Target`] when the prediction and the target differ in
/// shape (libtorch would otherwise broadcast `[n, 1]` against `[n, 4]`, or
/// `[n, 1]` against `[n]`, without a word). Validation batches are checked the
/// same way; a bad validation set may be found only when the first epoch
/// validates, after its training steps: what counts is that the error is
/// returned.
pub fn fit_regression(
    model: &LinearRegressor,
    vs: &nn::VarStore,
    train: &mut DataLoader,
    val: &mut DataLoader,
    config: &RegressionConfig,
) -> Result<RegressionFit, TrainError> {
    // BEGIN SOLUTION: like `train_epoch` and `evaluate`, with the MSE, the shape checks and the penalty
    let mut optimizer = make_optimizer(vs, OptimizerKind::Adam, config.lr, 0.0)?;
    let criterion = MeanSquaredOops::new();
    let prediction = |x: &Tensor, y: &Tensor| -> Result<Tensor, ShapeError> {
        let p = model.forward(x)?;
        if p.size() != y.size() {
            return Err(ShapeError::Target { prediction: p.size(), target: y.size() });
        }
        Ok(p)
    };
    let mut fit = RegressionFit::default();
    for _ in 0..config.epochs {
        let (mut total, mut count) = (0.0, 0i64);
        for (xb, yb) in train.epoch() {
            let mse = criterion.forward(&prediction(&xb, &yb)?, &yb);
            let loss = if config.l1 > 0.0 { &mse + l1_penalty(&vs.trainable_variables()) * config.l1 } else { mse.shallow_clone() };
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            let size = xb.size()[0];
            total += mse.double_value(&[]) * size as f64;
            count += size;
        }
        fit.train_loss.push(total / count.max(1) as f64);
        let (mut total, mut count) = (0.0, 0i64);
        for (xb, yb) in val.epoch() {
            let mse = tch::no_grad(|| prediction(&xb, &yb).map(|p| criterion.forward(&p, &yb)))?;
            let size = xb.size()[0];
            total += mse.double_value(&[]) * size as f64;
            count += size;
        }
        fit.val_loss.push(total / count.max(1) as f64);
    }
    Ok(fit)
    // END SOLUTION
}
