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
    // BEGIN SOLUTION: leaves w and b that require grad, an Sgd over them, then the per-row loop
    let w = tensor(w_init.copy(), true);
    let b = tensor(b_init.copy(), true);
    let mut opt = Sgd::new(vec![w.clone(), b.clone()], lr);
    let n = x.size()[0];
    let mut curve = Vec::new();
    for epoch in 0..epochs {
        let mut sum_err = 0.0;
        for row in 0..n {
            let x_row = tensor(x.narrow(0, row, 1), false);
            let y_row = tensor(y.narrow(0, row, 1), false);
            let y_pred = &x_row.matmul(&w) + &b;
            let err = (&y_row - &y_pred).pow(2.0)?;
            opt.zero_grad();
            err.backward();
            opt.step();
            sum_err += err.item();
        }
        let mse = sum_err / n as f64;
        println!("Epoch {}: MSE = {mse}", epoch + 1);
        curve.push(mse);
    }
    Ok(curve)
    // END SOLUTION
}
