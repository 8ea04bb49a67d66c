//! Exercises 5–8: one optimisation step, evaluation, and the whole training
//! run with TensorBoard logging and a saved model.

#[allow(unused_imports)]
use crate::data::{split_train_val, Mnist};
use crate::model::Mlp;
#[allow(unused_imports)]
use crate::tensorboard::EventWriter;
use std::fmt;
use std::path::PathBuf;
#[allow(unused_imports)]
use tch::nn::{self, Module, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Which optimiser to train with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    /// Plain stochastic gradient descent (`nn::Sgd::default()`: no momentum, no weight decay).
    Sgd,
    /// Adam with its default betas (`nn::Adam::default()`).
    Adam,
}

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training part.
    pub epochs: i64,
    /// Mini-batch size (the last batch of an epoch may be smaller).
    pub batch_size: i64,
    /// Learning rate.
    pub lr: f64,
    /// The optimiser.
    pub optimizer: OptimizerKind,
    /// Seeds libtorch at the start (weights, split, shuffles), so a run is reproducible.
    pub seed: i64,
    /// Where to write TensorBoard event files, if anywhere.
    pub log_dir: Option<PathBuf>,
    /// Where to save the trained weights (a `.safetensors` file), if anywhere.
    pub save_path: Option<PathBuf>,
}

/// What happened during training.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The loss of every optimisation step, in order (logged as `Loss/train` at steps 0, 1, 2, …).
    pub step_loss: Vec<f64>,
    /// Per epoch: the mean training loss over the epoch's samples: the epoch's
    /// step losses weighted by their batch sizes (0.0 for an epoch without samples).
    pub train_loss: Vec<f64>,
    /// Per epoch: the loss on the validation part after the epoch (logged as `Loss/val` at steps 1, 2, …).
    pub val_loss: Vec<f64>,
    /// Per epoch: the accuracy on the validation part after the epoch (logged as `Accuracy/val` at steps 1, 2, …).
    pub val_accuracy: Vec<f64>,
}

/// The result of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// Per-step and per-epoch metrics.
    pub history: History,
    /// Mean cross-entropy of the trained model on the test images.
    pub test_loss: f64,
    /// Accuracy of the trained model on the test images.
    pub test_accuracy: f64,
}

/// Why a training run failed.
#[derive(Debug)]
pub enum TrainError {
    /// Writing the logs failed.
    Io(std::io::Error),
    /// libtorch failed (building the optimiser, saving the model).
    Torch(tch::TchError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Io(e) => write!(f, "writing the training logs failed: {e}"),
            TrainError::Torch(e) => write!(f, "libtorch failed: {e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<std::io::Error> for TrainError {
    fn from(e: std::io::Error) -> Self {
        TrainError::Io(e)
    }
}

impl From<tch::TchError> for TrainError {
    fn from(e: tch::TchError) -> Self {
        TrainError::Torch(e)
    }
}

/// Exercise 5: the optimiser of `kind` over the variables of `vs`, with
/// learning rate `lr` and the default settings otherwise.
pub fn make_optimizer(vs: &nn::VarStore, kind: OptimizerKind, lr: f64) -> Result<nn::Optimizer, tch::TchError> {
    // BEGIN SOLUTION: nn::Sgd::default() or nn::Adam::default(), built on the VarStore
    match kind {
        OptimizerKind::Sgd => nn::Sgd::default().build(vs, lr),
        OptimizerKind::Adam => nn::Adam::default().build(vs, lr),
    }
    // END SOLUTION
}

/// Exercise 6: one optimisation step on the batch `(x, y)`: clear the old
/// gradients, compute the mean cross-entropy of the logits, back-propagate,
/// step. Returns the loss (before the step).
pub fn train_step(model: &Mlp, optimizer: &mut nn::Optimizer, x: &Tensor, y: &Tensor) -> f64 {
    // BEGIN SOLUTION: zero_grad, forward, cross_entropy_for_logits, backward, step
    let loss = model.forward(x).cross_entropy_for_logits(y);
    optimizer.backward_step(&loss);
    loss.double_value(&[])
    // END SOLUTION
}

/// Exercise 7: the mean cross-entropy and the accuracy of `model` over all
/// of `(x, y)`, computed in batches of `batch_size` without gradients. Both
/// are averages over samples: a smaller last batch must not count as much as
/// a full one. With no samples there is nothing to average: `(0.0, 0.0)`.
/// `batch_size` must be at least 1 (anything may happen otherwise).
pub fn evaluate(model: &Mlp, x: &Tensor, y: &Tensor, batch_size: i64) -> (f64, f64) {
    // BEGIN SOLUTION: sum the per-sample losses and the correct predictions over the batches, divide by n
    let n = x.size()[0];
    let (mut loss_sum, mut correct) = (0.0, 0i64);
    tch::no_grad(|| {
        for start in (0..n).step_by(batch_size.max(1) as usize) {
            let len = batch_size.min(n - start);
            let (xb, yb) = (x.narrow(0, start, len), y.narrow(0, start, len));
            let logits = model.forward(&xb);
            loss_sum += logits.cross_entropy_for_logits(&yb).double_value(&[]) * len as f64;
            correct += logits.argmax(-1, false).eq_tensor(&yb).sum(Kind::Int64).int64_value(&[]);
        }
    });
    let n = n.max(1) as f64;
    (loss_sum / n, correct as f64 / n)
    // END SOLUTION
}

/// Exercise 8: the notebook's training run. Seed libtorch with
/// `config.seed`; split the training images 90/10 with
/// [`split_train_val`]`(n, config.seed)`; build an [`Mlp`] for the images'
/// size and the optimiser of the config; then for each epoch, train on
/// shuffled mini-batches of the training part (logging each step's loss as
/// `Loss/train` at steps 0, 1, 2, …) and evaluate on the validation part
/// (logging `Loss/val` and `Accuracy/val` at step = epoch number, from 1).
/// Finally evaluate on the test images, save the weights to
/// `config.save_path` and flush the logs. Both evaluations use batches of
/// 256. `history.train_loss` holds each epoch's step losses weighted by their
/// batch sizes. `config.epochs = 0` trains nothing: an empty history, the
/// untrained model's test numbers, and the model and the log file are still
/// written. `config.batch_size` must be at least 1.
pub fn train(data: &Mnist, config: &TrainConfig) -> Result<TrainReport, TrainError> {
    // BEGIN SOLUTION: the loop of the notebook, plus EventWriter and VarStore::save
    tch::manual_seed(config.seed);
    let n = data.train_images.size()[0];
    let (train_part, val_part) = split_train_val(n, config.seed);
    let index = |v: &[i64]| Tensor::from_slice(v);
    let (x_train, y_train) = (data.train_images.index_select(0, &index(&train_part)), data.train_labels.index_select(0, &index(&train_part)));
    let (x_val, y_val) = (data.train_images.index_select(0, &index(&val_part)), data.train_labels.index_select(0, &index(&val_part)));
    let vs = nn::VarStore::new(Device::Cpu);
    let model = Mlp::new(&vs.root(), data.pixels());
    let mut optimizer = make_optimizer(&vs, config.optimizer, config.lr)?;
    let mut writer = match &config.log_dir {
        Some(dir) => Some(EventWriter::create(dir)?),
        None => None,
    };
    let mut history = History::default();
    let mut step = 0i64;
    let n_train = x_train.size()[0];
    for epoch in 1..=config.epochs {
        let mut loss_sum = 0.0;
        for batch in Tensor::randperm(n_train, (Kind::Int64, Device::Cpu)).split(config.batch_size, 0) {
            let loss = train_step(&model, &mut optimizer, &x_train.index_select(0, &batch), &y_train.index_select(0, &batch));
            loss_sum += loss * batch.size()[0] as f64;
            history.step_loss.push(loss);
            if let Some(w) = writer.as_mut() {
                w.add_scalar("Loss/train", loss, step)?;
            }
            step += 1;
        }
        history.train_loss.push(loss_sum / n_train.max(1) as f64);
        let (val_loss, val_accuracy) = evaluate(&model, &x_val, &y_val, 256);
        history.val_loss.push(val_loss);
        history.val_accuracy.push(val_accuracy);
        if let Some(w) = writer.as_mut() {
            w.add_scalar("Loss/val", val_loss, epoch)?;
            w.add_scalar("Accuracy/val", val_accuracy, epoch)?;
        }
    }
    let (test_loss, test_accuracy) = evaluate(&model, &data.test_images, &data.test_labels, 256);
    if let Some(path) = &config.save_path {
        vs.save(path)?;
    }
    if let Some(w) = writer.as_mut() {
        w.flush()?;
    }
    Ok(TrainReport { history, test_loss, test_accuracy })
    // END SOLUTION
}
