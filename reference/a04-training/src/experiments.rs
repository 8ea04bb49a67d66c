//! Exercises 22–24: the experiments of Exercise Stack G and the MLF notebook,
//! each a function that runs one and returns its curves, so that you can plot
//! them and the grader can check what they show.

#[allow(unused_imports)]
use crate::data::TensorDataset;
#[allow(unused_imports)]
use crate::features::to_polar;
#[allow(unused_imports)]
use crate::loader::DataLoader;
#[allow(unused_imports)]
use crate::models::{LinearRegressor, Mlp};
#[allow(unused_imports)]
use crate::regression::{fit_regression, RegressionConfig, RegressionFit};
#[allow(unused_imports)]
use crate::split::split_dataset;
#[allow(unused_imports)]
use crate::train::{train_model, History, OptimizerKind, TrainConfig, TrainError};
#[allow(unused_imports)]
use tch::{nn, Device, Kind, Tensor};

/// Hidden units of the MLP in [`optimizer_study`].
pub const STUDY_HIDDEN: i64 = 32;
/// Training batch size of the studies.
pub const STUDY_BATCH: i64 = 64;

/// Exercise 22: SGD vs Adam and the learning rate. For each `(optimizer, lr)`
/// of `settings`, in order: split `data` 70/15/15 with `seed`, make a fresh
/// `Mlp(features, STUDY_HIDDEN, classes, dropout 0)` in a new CPU `VarStore`
/// (classes = the largest label + 1), and [`train_model`] it for `epochs`
/// epochs (no weight decay, no schedule, no checkpoint; training batches of
/// `STUDY_BATCH`, shuffled with `seed`; validation in one batch).
pub fn optimizer_study(data: &TensorDataset, settings: &[(OptimizerKind, f64)], epochs: i64, seed: u64) -> Result<Vec<History>, TrainError> {
    // BEGIN SOLUTION: one split, then one model and one `train_model` per setting
    let parts = split_dataset(data, &[70, 15, 15], seed)?;
    let features = data.x().size()[1];
    let classes = data.y().max().int64_value(&[]) + 1;
    let mut histories = Vec::with_capacity(settings.len());
    for &(optimizer, lr) in settings {
        let vs = nn::VarStore::new(Device::Cpu);
        let model = Mlp::new(&vs.root(), features, STUDY_HIDDEN, classes, 0.0);
        let mut train = DataLoader::new(parts[0].clone(), STUDY_BATCH, true, seed)?;
        let mut val = DataLoader::new(parts[1].clone(), parts[1].len().max(1), false, seed)?;
        let config = TrainConfig { epochs, lr, optimizer, weight_decay: 0.0, schedule: None, checkpoint: None, seed };
        histories.push(train_model(&model, &vs, &mut train, &mut val, &config)?);
    }
    Ok(histories)
    // END SOLUTION
}

/// Exercise 23: does an L1 penalty help? `x` is `(n, d)` and `y` is `(n, 1)`.
/// Fits a `LinearRegressor(d, 1)` twice with [`fit_regression`]: once with
/// `l1 = 0`, once with the given `l1`, each a fresh model in its own new CPU
/// `VarStore` (the two start from their own random initial weights, not
/// shared ones). Both train on the first `n_train` rows of `x` and `y` in one
/// full batch (no shuffling) and validate on the other `n - n_train` rows in
/// one batch, for `epochs` epochs with Adam at `lr`. Returns (without L1,
/// with L1).
pub fn l1_study(x: &Tensor, y: &Tensor, n_train: i64, l1: f64, epochs: i64, lr: f64) -> Result<(RegressionFit, RegressionFit), TrainError> {
    // BEGIN SOLUTION: split by rows with `narrow`; run the same fit twice, changing only `l1`
    let n = x.size()[0];
    let train = TensorDataset::new(x.narrow(0, 0, n_train), y.narrow(0, 0, n_train))?;
    let val = TensorDataset::new(x.narrow(0, n_train, n - n_train), y.narrow(0, n_train, n - n_train))?;
    let fit = |l1: f64| -> Result<RegressionFit, TrainError> {
        let vs = nn::VarStore::new(Device::Cpu);
        let model = LinearRegressor::new(&vs.root(), x.size()[1], 1);
        let mut train = DataLoader::new(train.clone(), n_train.max(1), false, 0)?;
        let mut val = DataLoader::new(val.clone(), (n - n_train).max(1), false, 0)?;
        fit_regression(&model, &vs, &mut train, &mut val, &RegressionConfig { epochs, lr, l1 })
    };
    Ok((fit(0.0)?, fit(l1)?))
    // END SOLUTION
}

/// Exercise 24: polar features. Trains a *linear* classifier (one
/// `nn::linear` from 2 inputs to 2 classes, in a new CPU `VarStore`) on
/// `(x, y)` split 70/15/15 with `seed`, with [`train_model`] (Adam at `lr`,
/// no weight decay, no schedule, training batches of `STUDY_BATCH` shuffled
/// with `seed`, validation in one batch), on the raw coordinates or, when
/// `polar` is true, on [`to_polar`]`(x)`.
pub fn polar_study(x: &Tensor, y: &Tensor, polar: bool, epochs: i64, lr: f64, seed: u64) -> Result<History, TrainError> {
    // BEGIN SOLUTION: transform the features first, then split, then train a single linear layer
    let features = if polar { to_polar(x) } else { x.shallow_clone() };
    let data = TensorDataset::new(features, y.shallow_clone())?;
    let parts = split_dataset(&data, &[70, 15, 15], seed)?;
    let vs = nn::VarStore::new(Device::Cpu);
    let model = nn::linear(vs.root() / "linear", 2, 2, Default::default());
    let mut train = DataLoader::new(parts[0].clone(), STUDY_BATCH, true, seed)?;
    let mut val = DataLoader::new(parts[1].clone(), parts[1].len().max(1), false, seed)?;
    let config = TrainConfig { epochs, lr, optimizer: OptimizerKind::Adam, weight_decay: 0.0, schedule: None, checkpoint: None, seed };
    train_model(&model, &vs, &mut train, &mut val, &config)
    // END SOLUTION
}
