//! The oracle's training runs: Task 1's linear regression and the Task 6
//! classifier, in libtorch with autograd and `nn::Sgd`, in f64.

use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// The classifier's logits: tanh(x·W1 + b1)·W2 + b2.
pub fn logits(params: &[Tensor], x: &Tensor) -> Tensor {
    (x.matmul(&params[0]) + &params[1]).tanh().matmul(&params[2]) + &params[3]
}

/// The fraction of rows whose prediction (logit > 0) equals the 0/1 label.
pub fn accuracy(params: &[Tensor], x: &Tensor, y: &Tensor) -> f64 {
    tch::no_grad(|| logits(params, x).gt(0.0).to_kind(Kind::Double).eq_tensor(y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]))
}

/// A var store of f64 variables holding copies of `params`, named p0, p1, …
fn variables(params: &[Tensor], device: Device) -> Result<(nn::VarStore, Vec<Tensor>), tch::TchError> {
    let mut vs = nn::VarStore::new(device);
    vs.set_kind(Kind::Double);
    let root = vs.root();
    let vars = params.iter().enumerate().map(|(i, p)| root.f_var_copy(&format!("p{i}"), &p.to_device(device))).collect::<Result<Vec<_>, _>>()?;
    Ok((vs, vars))
}

/// One run of full-batch training of the classifier.
pub struct ClassifierRun {
    /// loss of each epoch, before its step
    pub loss: Vec<f64>,
    /// training accuracy after each step
    pub train_accuracy: Vec<f64>,
    /// validation accuracy after each step
    pub val_accuracy: Vec<f64>,
    /// the parameters after each step (CPU)
    pub params: Vec<Vec<Tensor>>,
}

/// Full-batch `nn::Sgd` on the mean BCE of the classifier, from `start`.
#[allow(clippy::too_many_arguments)]
pub fn train_classifier(
    start: &[Tensor],
    x: &Tensor,
    y: &Tensor,
    x_val: &Tensor,
    y_val: &Tensor,
    lr: f64,
    epochs: i64,
    device: Device,
) -> Result<ClassifierRun, tch::TchError> {
    let (vs, vars) = variables(start, device)?;
    let mut opt = nn::Sgd::default().build(&vs, lr)?;
    let (x, y, x_val, y_val) = (x.to_device(device), y.to_device(device), x_val.to_device(device), y_val.to_device(device));
    let mut run = ClassifierRun { loss: Vec::new(), train_accuracy: Vec::new(), val_accuracy: Vec::new(), params: Vec::new() };
    for _ in 0..epochs {
        let loss = logits(&vars, &x).binary_cross_entropy_with_logits::<Tensor>(&y, None, None, tch::Reduction::Mean);
        opt.zero_grad();
        loss.backward();
        opt.step();
        run.loss.push(loss.double_value(&[]));
        run.train_accuracy.push(accuracy(&vars, &x, &y));
        run.val_accuracy.push(accuracy(&vars, &x_val, &y_val));
        run.params.push(vars.iter().map(|v| v.detach().to_device(Device::Cpu).copy()).collect());
    }
    Ok(run)
}

/// Task 1: per-sample `nn::Sgd` on the squared error of x_row·w + b; the MSE of each epoch.
pub fn regression_curve(x: &Tensor, y: &Tensor, w: &Tensor, b: &Tensor, lr: f64, epochs: i64, device: Device) -> Result<Vec<f64>, tch::TchError> {
    let (vs, vars) = variables(&[w.shallow_clone(), b.shallow_clone()], device)?;
    let mut opt = nn::Sgd::default().build(&vs, lr)?;
    let (x, y) = (x.to_device(device), y.to_device(device));
    let n = x.size()[0];
    let mut curve = Vec::new();
    for _ in 0..epochs {
        let mut sum = 0.0;
        for row in 0..n {
            let err = (y.narrow(0, row, 1) - (x.narrow(0, row, 1).matmul(&vars[0]) + &vars[1])).square();
            opt.zero_grad();
            err.backward();
            opt.step();
            sum += err.double_value(&[0, 0]);
        }
        curve.push(sum / n as f64);
    }
    Ok(curve)
}
