//! Training curves for the feedback: the student's validation loss and
//! accuracy per epoch next to those of the grader's own run (libtorch's
//! layers and optimisers, the same data, split rule, seed and settings).

use crate::digits::Digits;
use crate::training::Run;
use gradwork::plot;
use gradwork::suite::{Ctx, Failure};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Validation loss and accuracy per epoch of the grader's own training run.
pub fn reference(d: &Digits, optimizer: &str, lr: f64, epochs: i64, batch: i64, seed: i64) -> Result<(Vec<f64>, Vec<f64>), Failure> {
    gradwork::torch_rng::manual_seed(seed);
    let n = d.train_images.size()[0];
    let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
    let n_val = n / 10;
    let (val, train) = (order.narrow(0, 0, n_val), order.narrow(0, n_val, n - n_val));
    let (x_train, y_train) = (d.train_images.index_select(0, &train), d.train_labels.index_select(0, &train));
    let (x_val, y_val) = (d.train_images.index_select(0, &val), d.train_labels.index_select(0, &val));
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let pixels: i64 = d.train_images.size()[1..].iter().product();
    let model = nn::seq()
        .add_fn(|x| x.flatten(1, -1))
        .add(nn::linear(&root / "fc1", pixels, 256, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&root / "fc2", 256, 256, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&root / "fc3", 256, 10, Default::default()));
    let built = if optimizer == "sgd" { nn::Sgd::default().build(&vs, lr) } else { nn::Adam::default().build(&vs, lr) };
    let mut opt = built.map_err(|e| Failure::Grader(format!("cannot build the reference optimiser: {e}")))?;
    let (mut losses, mut accuracies) = (Vec::new(), Vec::new());
    for _ in 0..epochs {
        for b in Tensor::randperm(n - n_val, (Kind::Int64, Device::Cpu)).split(batch, 0) {
            let loss = model.forward(&x_train.index_select(0, &b)).cross_entropy_for_logits(&y_train.index_select(0, &b));
            opt.backward_step(&loss);
        }
        let logits = tch::no_grad(|| model.forward(&x_val));
        losses.push(logits.cross_entropy_for_logits(&y_val).double_value(&[]));
        accuracies.push(logits.argmax(-1, false).eq_tensor(&y_val).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]));
    }
    Ok((losses, accuracies))
}

/// Attaches the student's validation curves next to the reference's.
pub fn attach(ctx: &mut Ctx, stem: &str, run: &Run, reference: &(Vec<f64>, Vec<f64>)) {
    let loss = plot::training_curves("validation loss", &run.val_loss, &reference.0);
    plot::attach(ctx, &format!("{stem}-loss"), "Validation loss per epoch: yours and the grader's own run (same data, settings and seed)", &loss);
    let accuracy = plot::training_curves("validation accuracy", &run.val_accuracy, &reference.1);
    plot::attach(ctx, &format!("{stem}-accuracy"), "Validation accuracy per epoch: yours and the grader's own run", &accuracy);
}
