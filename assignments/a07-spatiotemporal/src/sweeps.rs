//! Exercise 7 (Exercise Stack G 2 and 3): regularisation sweeps on the two
//! moons — weight decay, then dropout — with the gap between training and
//! validation accuracy for each setting. (The course puts these two in this
//! assignment rather than in a04: they are the rest of Stack G.)

#[allow(unused_imports)]
use std::f64::consts::PI;
#[allow(unused_imports)]
use tch::nn::{self, ModuleT, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// The two-moons data set: `n` points (n, 2) f32 and labels (n,) i64. Given.
///
/// The first `n / 2` points lie on the upper arc (cos t, sin t), label 0; the
/// others on the lower arc (1 − cos t, 0.5 − sin t), label 1, for t evenly
/// spaced in [0, π]; then N(0, noise²) noise on every coordinate, drawn from
/// libtorch's generator (seed it with `tch::manual_seed`).
pub fn make_moons(n: i64, noise: f64) -> (Tensor, Tensor) {
    let opts = (Kind::Float, Device::Cpu);
    let (n0, n1) = (n / 2, n - n / 2);
    let t0 = Tensor::linspace(0.0, PI, n0, opts);
    let t1 = Tensor::linspace(0.0, PI, n1, opts);
    let upper = Tensor::stack(&[t0.cos(), t0.sin()], 1);
    let lower = Tensor::stack(&[1.0 - t1.cos(), 0.5 - t1.sin()], 1);
    let x = Tensor::cat(&[upper, lower], 0) + Tensor::randn([n, 2], opts) * noise;
    let y = Tensor::cat(&[Tensor::zeros([n0], (Kind::Int64, Device::Cpu)), Tensor::ones([n1], (Kind::Int64, Device::Cpu))], 0);
    (x, y)
}

/// The notebook's classifier, given: 2 → 64 → ReLU → dropout(p) → 64 → ReLU → 2.
#[derive(Debug)]
pub struct Mlp {
    fc1: nn::Linear,
    fc2: nn::Linear,
    fc3: nn::Linear,
    dropout: f64,
}

impl Mlp {
    /// The layers under `path`, with dropout probability `dropout` after the first hidden layer.
    pub fn new(path: &nn::Path, dropout: f64) -> Mlp {
        Mlp {
            fc1: nn::linear(path / "fc1", 2, 64, Default::default()),
            fc2: nn::linear(path / "fc2", 64, 64, Default::default()),
            fc3: nn::linear(path / "fc3", 64, 2, Default::default()),
            dropout,
        }
    }
}

impl ModuleT for Mlp {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        xs.apply(&self.fc1).relu().dropout(self.dropout, train).apply(&self.fc2).relu().apply(&self.fc3)
    }
}

/// Training and validation data.
#[derive(Debug)]
pub struct Data {
    /// Training points (n, 2) f32.
    pub x_train: Tensor,
    /// Training labels (n,) i64.
    pub y_train: Tensor,
    /// Validation points (m, 2) f32.
    pub x_val: Tensor,
    /// Validation labels (m,) i64.
    pub y_val: Tensor,
}

/// How every run of a sweep trains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepConfig {
    /// Passes over the training data (0: none, the untrained network is scored).
    pub epochs: i64,
    /// Points per mini-batch.
    pub batch_size: i64,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds libtorch's generator before each run, so every setting starts
    /// from the same weights and sees the same batches.
    pub seed: i64,
}

/// One setting of a sweep and what its trained model scores, in evaluation mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// The weight decay or dropout probability of this run.
    pub setting: f64,
    /// Mean cross-entropy on the training data.
    pub train_loss: f64,
    /// Accuracy on the training data.
    pub train_accuracy: f64,
    /// Accuracy on the validation data.
    pub val_accuracy: f64,
}

impl SweepPoint {
    /// Training accuracy minus validation accuracy.
    pub fn gap(&self) -> f64 {
        self.train_accuracy - self.val_accuracy
    }
}

/// Exercise 7a: one run. `tch::manual_seed(config.seed)`, then at once
/// (before any other random draw) a fresh [`Mlp`] with `dropout` in a new
/// CPU `VarStore`, Adam at `config.lr` with (coupled)
/// weight decay `weight_decay`, `config.epochs` passes over shuffled
/// mini-batches with the cross-entropy loss; then, in evaluation mode and
/// without gradients, the training loss and both accuracies (the share of
/// points whose largest logit is their label). `setting` is copied into the
/// result. With `config.epochs == 0` the run scores the untrained network.
pub fn train_and_score(data: &Data, dropout: f64, weight_decay: f64, config: &SweepConfig, setting: f64) -> SweepPoint {
    // TODO: seed, model, Adam with wd; shuffled batches in training mode; then scores in evaluation mode
    todo!()
}

/// Exercise 7b (Stack G 2): one run per weight decay of `decays`, in order,
/// each with the notebook's dropout of 0.2.
pub fn weight_decay_sweep(data: &Data, decays: &[f64], config: &SweepConfig) -> Vec<SweepPoint> {
    // TODO: train_and_score for each decay
    todo!()
}

/// Exercise 7c (Stack G 3): one run per dropout probability of `rates`, in
/// order, each with the notebook's weight decay of 1e-4.
pub fn dropout_sweep(data: &Data, rates: &[f64], config: &SweepConfig) -> Vec<SweepPoint> {
    // TODO: train_and_score for each rate
    todo!()
}
