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
    // BEGIN SOLUTION: a VarStore of kind Double holding w and b, nn::Sgd, then the per-row loop
    let mut vs = nn::VarStore::new(Device::Cpu);
    vs.set_kind(Kind::Double);
    let root = vs.root();
    let w = root.f_var_copy("w", w_init)?;
    let b = root.f_var_copy("b", b_init)?;
    let mut opt = nn::Sgd::default().build(&vs, lr)?;
    let n = x.size()[0];
    let mut curve = Vec::new();
    for epoch in 0..epochs {
        let mut sum_err = 0.0;
        for row in 0..n {
            let x_row = x.narrow(0, row, 1);
            let y_row = y.narrow(0, row, 1);
            let y_pred = x_row.matmul(&w) + &b;
            let err = (y_row - y_pred).square();
            opt.zero_grad();
            err.backward();
            opt.step();
            sum_err += err.double_value(&[0, 0]);
        }
        let mse = sum_err / n as f64;
        println!("Epoch {}: MSE = {mse}", epoch + 1);
        curve.push(mse);
    }
    Ok(curve)
    // END SOLUTION
}
