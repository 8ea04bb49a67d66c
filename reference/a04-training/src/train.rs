//! Exercises 14–18 and 20: optimisers, one step, one epoch, evaluation, the
//! StepLR schedule, the training loop with the best validation state restored,
//! and the "overfit a tiny subset" sanity check.
//!
//! Classifiers here return logits and are trained with cross-entropy
//! (`Tensor::cross_entropy_for_logits`, mean over the batch).

#[allow(unused_imports)]
use crate::checkpoint::{save_checkpoint, CheckpointError, CheckpointMeta};
use crate::data::{DataError, TensorDataset};
use crate::loader::DataLoader;
#[allow(unused_imports)]
use crate::losses::accuracy_from_logits;
use crate::models::ShapeError;
use std::path::PathBuf;
#[allow(unused_imports)]
use tch::nn::{self, ModuleT, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Kind, TchError, Tensor};

/// Which optimiser to train with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    /// Plain stochastic gradient descent (no momentum).
    Sgd,
    /// Adam with libtorch's default betas and eps.
    Adam,
}

/// The StepLR schedule: the learning rate is multiplied by `gamma` every
/// `step_size` epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLr {
    /// Epochs between two decays (at least 1).
    pub step_size: i64,
    /// The factor of each decay.
    pub gamma: f64,
}

impl StepLr {
    /// Exercise 17: the learning rate of epoch `epoch` (counting from 1):
    /// `base_lr · gamma^⌊(epoch − 1) / step_size⌋`. With step_size 100, epochs
    /// 1 to 100 use `base_lr`, epochs 101 to 200 use `base_lr · gamma`, ...
    pub fn lr_at(&self, base_lr: f64, epoch: i64) -> f64 {
        base_lr * self.gamma.powi(((epoch - 1) / self.step_size) as i32) // SOLUTION: count the completed steps of `step_size` epochs before this one
    }
}

/// How [`train_model`] trains.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Number of epochs.
    pub epochs: i64,
    /// The base learning rate.
    pub lr: f64,
    /// SGD or Adam.
    pub optimizer: OptimizerKind,
    /// L2 weight decay, as libtorch's optimisers apply it (added to the gradient).
    pub weight_decay: f64,
    /// The learning-rate schedule; `None` keeps `lr` for every epoch.
    pub schedule: Option<StepLr>,
    /// Where to save the best epoch's checkpoint; `None` saves nothing.
    pub checkpoint: Option<PathBuf>,
    /// The seed of the run, recorded in the checkpoint.
    pub seed: u64,
}

impl Default for TrainConfig {
    /// The notebook's MLP settings: Adam, lr 5e-3, weight decay 1e-4, StepLR(100, 0.5).
    fn default() -> Self {
        TrainConfig {
            epochs: 300,
            lr: 5e-3,
            optimizer: OptimizerKind::Adam,
            weight_decay: 1e-4,
            schedule: Some(StepLr { step_size: 100, gamma: 0.5 }),
            checkpoint: None,
            seed: 0,
        }
    }
}

/// Per-epoch curves of a training run; entry `i` belongs to epoch `i + 1`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// Mean training loss over the epoch's samples.
    pub train_loss: Vec<f64>,
    /// Validation loss after the epoch (evaluation mode).
    pub val_loss: Vec<f64>,
    /// Validation accuracy after the epoch.
    pub val_acc: Vec<f64>,
    /// The learning rate the epoch used.
    pub lr: Vec<f64>,
    /// The epoch with the lowest validation loss (counting from 1; 0 if none).
    pub best_epoch: i64,
}

/// Why training stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// libtorch refused an operation (making the optimiser, say).
    #[error("libtorch: {0}")]
    Torch(#[from] TchError),
    /// Saving the checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A loader or split could not be made.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Model, inputs and targets do not fit together.
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

/// Exercise 14: the optimiser over every trainable variable of `vs`, with
/// learning rate `lr` and L2 weight decay `weight_decay` (libtorch's `wd`).
pub fn make_optimizer(vs: &nn::VarStore, kind: OptimizerKind, lr: f64, weight_decay: f64) -> Result<nn::Optimizer, TchError> {
    // BEGIN SOLUTION: `nn::Sgd` or `nn::Adam` with `wd` set and the other fields at their defaults, then `.build(vs, lr)`
    match kind {
        OptimizerKind::Sgd => nn::Sgd { wd: weight_decay, ..Default::default() }.build(vs, lr),
        OptimizerKind::Adam => nn::Adam { wd: weight_decay, ..Default::default() }.build(vs, lr),
    }
    // END SOLUTION
}

/// Exercise 15: one optimisation step on one batch, in training mode: zero
/// the gradients, forward, cross-entropy, backward, step. Returns the batch's
/// loss (before the step).
pub fn train_step(model: &impl ModuleT, optimizer: &mut nn::Optimizer, xb: &Tensor, yb: &Tensor) -> f64 {
    // BEGIN SOLUTION: the four steps of the notebook's loop, in order
    optimizer.zero_grad();
    let loss = model.forward_t(xb, true).cross_entropy_for_logits(yb);
    loss.backward();
    optimizer.step();
    loss.double_value(&[])
    // END SOLUTION
}

/// Exercise 15: one epoch: [`train_step`] on every batch of `loader`. Returns
/// the mean loss over the epoch's samples (each batch's loss weighted by its
/// number of samples, as the notebook does). A loader with no samples takes
/// no step and returns NaN (0 / 0, the mean of nothing).
pub fn train_epoch(model: &impl ModuleT, optimizer: &mut nn::Optimizer, loader: &mut DataLoader) -> f64 {
    // BEGIN SOLUTION: sum loss × batch size over the batches, divide by the number of samples
    let (mut total, mut count) = (0.0, 0i64);
    for (xb, yb) in loader.epoch() {
        let size = xb.size()[0];
        total += train_step(model, optimizer, &xb, &yb) * size as f64;
        count += size;
    }
    total / count as f64
    // END SOLUTION
}

/// Exercise 16: the mean cross-entropy and the accuracy over every sample of
/// `loader`, in evaluation mode (no dropout) and without gradients, each
/// batch weighted by its size. A loader with no samples gives (NaN, NaN).
pub fn evaluate(model: &impl ModuleT, loader: &mut DataLoader) -> (f64, f64) {
    // BEGIN SOLUTION: forward_t(.., false) under `tch::no_grad`; weight each batch by its size
    let (mut loss, mut correct, mut count) = (0.0, 0.0, 0i64);
    tch::no_grad(|| {
        for (xb, yb) in loader.epoch() {
            let size = xb.size()[0];
            let logits = model.forward_t(&xb, false);
            loss += logits.cross_entropy_for_logits(&yb).double_value(&[]) * size as f64;
            correct += accuracy_from_logits(&logits, &yb) * size as f64;
            count += size;
        }
    });
    let count = count as f64;
    (loss / count, correct / count)
    // END SOLUTION
}

/// Exercise 18: a copy of every variable of `vs` (name and values), taken
/// apart from the live variables, so that later steps do not change it.
pub fn snapshot(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    vs.variables().into_iter().map(|(name, t)| (name, t.detach().copy())).collect() // SOLUTION: `detach().copy()` makes a separate copy
}

/// Exercise 18: copies a [`snapshot`] back into the variables of `vs`, in
/// place. A name that `vs` has no variable for is skipped; a variable that
/// `state` does not name keeps its value.
pub fn restore(vs: &nn::VarStore, state: &[(String, Tensor)]) {
    // BEGIN SOLUTION: for each saved tensor, `copy_` into the variable of the same name, under `tch::no_grad`
    let mut variables = vs.variables();
    tch::no_grad(|| {
        for (name, saved) in state {
            if let Some(variable) = variables.get_mut(name) {
                variable.copy_(saved);
            }
        }
    });
    // END SOLUTION
}

/// Exercise 18: the notebook's `train_model`. For each epoch (1 to
/// `config.epochs`): set the learning rate of the schedule, [`train_epoch`],
/// [`evaluate`] on `val`, and record both in the history. Whenever the
/// validation loss is lower than every earlier one, remember the weights (a
/// [`snapshot`]), the epoch as `best_epoch`, and write the checkpoint if
/// `config.checkpoint` is set. At the end, [`restore`] the best weights.
pub fn train_model(
    model: &impl ModuleT,
    vs: &nn::VarStore,
    train: &mut DataLoader,
    val: &mut DataLoader,
    config: &TrainConfig,
) -> Result<History, TrainError> {
    // BEGIN SOLUTION: the loop described above
    let mut optimizer = make_optimizer(vs, config.optimizer, config.lr, config.weight_decay)?;
    let mut history = History::default();
    let mut best: Option<(f64, Vec<(String, Tensor)>)> = None;
    for epoch in 1..=config.epochs {
        let lr = config.schedule.map_or(config.lr, |s| s.lr_at(config.lr, epoch));
        optimizer.set_lr(lr);
        let train_loss = train_epoch(model, &mut optimizer, train);
        let (val_loss, val_acc) = evaluate(model, val);
        history.train_loss.push(train_loss);
        history.val_loss.push(val_loss);
        history.val_acc.push(val_acc);
        history.lr.push(lr);
        let improved = match &best {
            None => !val_loss.is_nan(),
            Some((best_loss, _)) => val_loss < *best_loss,
        };
        if improved {
            best = Some((val_loss, snapshot(vs)));
            history.best_epoch = epoch;
            if let Some(path) = &config.checkpoint {
                save_checkpoint(vs, path, &CheckpointMeta { epoch, val_loss, val_acc, seed: config.seed })?;
            }
        }
    }
    if let Some((_, state)) = &best {
        restore(vs, state);
    }
    Ok(history)
    // END SOLUTION
}

/// Exercise 20: the sanity check "overfit a tiny subset". Trains `model` with
/// Adam (learning rate `lr`, no weight decay, no schedule) for `epochs` epochs
/// on the first `n` samples of `data` only, in shuffled batches of
/// `batch_size`, and validates on the same `n` samples (in order). A working
/// loop drives the loss towards 0 and the accuracy to 1.
#[allow(clippy::too_many_arguments)]
pub fn overfit_tiny_subset(
    model: &impl ModuleT,
    vs: &nn::VarStore,
    data: &TensorDataset,
    n: i64,
    batch_size: i64,
    epochs: i64,
    lr: f64,
    seed: u64,
) -> Result<History, TrainError> {
    // BEGIN SOLUTION: a subset, two loaders over it, and `train_model`
    let indices: Vec<i64> = (0..n.min(data.len())).collect();
    let tiny = data.subset(&indices);
    let mut train = DataLoader::new(tiny.clone(), batch_size, true, seed)?;
    let mut val = DataLoader::new(tiny, n.max(1), false, seed)?;
    let config = TrainConfig { epochs, lr, optimizer: OptimizerKind::Adam, weight_decay: 0.0, schedule: None, checkpoint: None, seed };
    train_model(model, vs, &mut train, &mut val, &config)
    // END SOLUTION
}
