//! The oracle: what a correct solution computes, written with libtorch's own
//! layers, losses and optimisers (`nn::Sgd`, `nn::Adam`). Inputs come from
//! the check's seeded generator, so every run is reproducible from the
//! printed seed.

use gradwork::suite::Ctx;
use rand::Rng;
use std::f64::consts::PI;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Seeds libtorch's global generator from the check's generator, for the
/// oracle's own random tensors (data, weights, shuffling), and keeps libtorch
/// on one thread: the models here are tiny, and on a busy machine extra
/// OpenMP threads only wait for each other (a 0.4 s training run took 5–15 s
/// with two threads on two loaded cores). The isolated runner already runs
/// with `OMP_NUM_THREADS=1`.
pub fn seed_torch(ctx: &mut Ctx) {
    tch::set_num_threads(1);
    gradwork::torch_rng::manual_seed(ctx.rng().random_range(0..i64::MAX));
}

/// The noise-free two moons of the handout: `(n, 2)` f32 points and `(n,)` i64 labels.
pub fn clean_moons(n: i64) -> (Tensor, Tensor) {
    let (outer, inner) = (n / 2, n - n / 2);
    let arc = |m: i64| Tensor::linspace(0.0, PI, m, (Kind::Double, Device::Cpu));
    let t = arc(outer);
    let upper = Tensor::stack(&[t.cos(), t.sin()], 1);
    let t = arc(inner);
    let lower = Tensor::stack(&[1.0 - t.cos(), 0.5 - t.sin()], 1);
    (Tensor::cat(&[upper, lower], 0).to_kind(Kind::Float), labels(outer, inner))
}

/// The noise-free circles of the handout.
pub fn clean_circles(n: i64, factor: f64) -> (Tensor, Tensor) {
    let (outer, inner) = (n / 2, n - n / 2);
    let ring = |m: i64, radius: f64| {
        let t = Tensor::arange(m, (Kind::Double, Device::Cpu)) * (2.0 * PI / m.max(1) as f64);
        Tensor::stack(&[t.cos(), t.sin()], 1) * radius
    };
    (Tensor::cat(&[ring(outer, 1.0), ring(inner, factor)], 0).to_kind(Kind::Float), labels(outer, inner))
}

fn labels(zeros: i64, ones: i64) -> Tensor {
    Tensor::cat(&[Tensor::zeros([zeros], (Kind::Int64, Device::Cpu)), Tensor::ones([ones], (Kind::Int64, Device::Cpu))], 0)
}

/// Noisy moons for training checks (after [`seed_torch`]).
pub fn moons(n: i64, noise: f64) -> (Tensor, Tensor) {
    let (x, y) = clean_moons(n);
    (x + Tensor::randn([n, 2], (Kind::Float, Device::Cpu)) * noise, y)
}

/// Noisy circles for training checks (after [`seed_torch`]).
pub fn circles(n: i64, noise: f64, factor: f64) -> (Tensor, Tensor) {
    let (x, y) = clean_circles(n, factor);
    (x + Tensor::randn([n, 2], (Kind::Float, Device::Cpu)) * noise, y)
}

/// A train/validation split of `(x, y)`: one random permutation (after
/// [`seed_torch`]), `n_train` rows to train, the rest to validate.
pub struct Split {
    /// Training features.
    pub x_train: Tensor,
    /// Training labels.
    pub y_train: Tensor,
    /// Validation features.
    pub x_val: Tensor,
    /// Validation labels.
    pub y_val: Tensor,
}

/// Splits `(x, y)` at random into `n_train` training rows and the rest.
pub fn split(x: &Tensor, y: &Tensor, n_train: i64) -> Split {
    let n = x.size()[0];
    let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
    let (train, val) = (order.narrow(0, 0, n_train), order.narrow(0, n_train, n - n_train));
    Split { x_train: x.index_select(0, &train), y_train: y.index_select(0, &train), x_val: x.index_select(0, &val), y_val: y.index_select(0, &val) }
}

/// The layer names and shapes of the handout's MLP.
pub fn mlp_shapes(in_dim: i64, hidden: i64, classes: i64) -> Vec<(String, Vec<i64>)> {
    let mut shapes = Vec::new();
    for (layer, fan_in, fan_out) in [("fc1", in_dim, hidden), ("fc2", hidden, hidden), ("out", hidden, classes)] {
        shapes.push((format!("{layer}.bias"), vec![fan_out]));
        shapes.push((format!("{layer}.weight"), vec![fan_out, fan_in]));
    }
    shapes.sort();
    shapes
}

/// Random MLP weights like libtorch's default initialisation
/// (uniform in ±1/√fan_in), after [`seed_torch`].
pub fn mlp_weights(in_dim: i64, hidden: i64, classes: i64) -> Vec<(String, Tensor)> {
    mlp_shapes(in_dim, hidden, classes)
        .into_iter()
        .map(|(name, shape)| {
            let fan_in = if name.starts_with("fc1") { in_dim } else { hidden };
            let bound = 1.0 / (fan_in as f64).sqrt();
            (name, Tensor::rand(shape.as_slice(), (Kind::Float, Device::Cpu)) * (2.0 * bound) - bound)
        })
        .collect()
}

fn weight<'w>(weights: &'w [(String, Tensor)], name: &str) -> &'w Tensor {
    weights.iter().find(|(n, _)| n == name).map(|(_, t)| t).unwrap_or_else(|| panic!("the oracle has no weight {name}"))
}

/// The MLP's logits in evaluation mode, from named weights.
pub fn mlp_forward(weights: &[(String, Tensor)], x: &Tensor, device: Device) -> Tensor {
    let w = |name: &str| weight(weights, name).to_device(device);
    let x = x.to_device(device);
    let h = x.linear(&w("fc1.weight"), Some(w("fc1.bias"))).relu();
    let h = h.linear(&w("fc2.weight"), Some(w("fc2.bias"))).relu();
    h.linear(&w("out.weight"), Some(w("out.bias")))
}

/// The mean cross-entropy and the accuracy of the MLP with `weights` on `(x, y)`.
pub fn mlp_loss_acc(weights: &[(String, Tensor)], x: &Tensor, y: &Tensor, device: Device) -> (f64, f64) {
    let logits = mlp_forward(weights, x, device);
    let y = y.to_device(device);
    let loss = logits.cross_entropy_for_logits(&y).double_value(&[]);
    let acc = logits.argmax(1, false).eq_tensor(&y).to_kind(Kind::Double).mean(None).double_value(&[]);
    (loss, acc)
}

/// libtorch's MLP, in a var store, with the given weights.
pub struct TorchMlp {
    /// The variables.
    pub vs: nn::VarStore,
    net: nn::SequentialT,
}

impl TorchMlp {
    /// The handout's architecture with the given weights, on `device`.
    pub fn new(weights: &[(String, Tensor)], dropout: f64, device: Device) -> TorchMlp {
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let dims = |name: &str| weight(weights, name).size();
        let (fc1, fc2, out) = (dims("fc1.weight"), dims("fc2.weight"), dims("out.weight"));
        let net = nn::seq_t()
            .add(nn::linear(&root / "fc1", fc1[1], fc1[0], Default::default()))
            .add_fn(|x| x.relu())
            .add_fn_t(move |x, train| x.dropout(dropout, train))
            .add(nn::linear(&root / "fc2", fc2[1], fc2[0], Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(&root / "out", out[1], out[0], Default::default()));
        let mut variables = vs.variables();
        tch::no_grad(|| {
            for (name, value) in weights {
                if let Some(v) = variables.get_mut(name) {
                    v.copy_(value);
                }
            }
        });
        TorchMlp { vs, net }
    }

    /// The logits.
    pub fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        self.net.forward_t(&x.to_device(self.vs.device()), train)
    }

    /// The current weights, on the CPU, sorted by name.
    pub fn weights(&self) -> Vec<(String, Tensor)> {
        let mut w: Vec<(String, Tensor)> = self.vs.variables().into_iter().map(|(n, t)| (n, t.detach().to_device(Device::Cpu))).collect();
        w.sort_by(|a, b| a.0.cmp(&b.0));
        w
    }
}

/// The optimisers of the handout, as libtorch builds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Opt {
    /// `nn::Sgd` without momentum.
    Sgd,
    /// `nn::Adam` with default betas; its weight decay is added to the gradient (coupled L2).
    Adam,
}

impl Opt {
    /// The name the runner understands.
    pub fn name(self) -> &'static str {
        match self {
            Opt::Sgd => "sgd",
            Opt::Adam => "adam",
        }
    }

    /// libtorch's optimiser over `vs`.
    pub fn build(self, vs: &nn::VarStore, lr: f64, wd: f64) -> nn::Optimizer {
        let built = match self {
            Opt::Sgd => nn::Sgd { wd, ..Default::default() }.build(vs, lr),
            Opt::Adam => nn::Adam { wd, ..Default::default() }.build(vs, lr),
        };
        built.unwrap_or_else(|e| panic!("libtorch could not build the oracle's optimiser: {e}"))
    }
}

/// Weights after `steps` full-batch Adam steps at `lr` from `weights` on `(x, y)`.
pub fn fit_mlp(weights: &[(String, Tensor)], x: &Tensor, y: &Tensor, steps: usize, lr: f64, device: Device) -> Vec<(String, Tensor)> {
    let model = TorchMlp::new(weights, 0.0, device);
    let mut opt = Opt::Adam.build(&model.vs, lr, 0.0);
    for _ in 0..steps {
        step(&model, &mut opt, x, y);
    }
    model.weights()
}

/// One optimisation step of the oracle; returns the loss before it.
pub fn step(model: &TorchMlp, opt: &mut nn::Optimizer, x: &Tensor, y: &Tensor) -> f64 {
    opt.zero_grad();
    let loss = model.forward(x, true).cross_entropy_for_logits(&y.to_device(model.vs.device()));
    loss.backward();
    opt.step();
    loss.double_value(&[])
}

/// The oracle's training run, for the reference curves shown next to a
/// student's: the same data, architecture, optimiser and schedule, libtorch's
/// own shuffling. Returns train loss, val loss and val accuracy per epoch.
pub struct Reference {
    /// Mean training loss per epoch.
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch.
    pub val_loss: Vec<f64>,
    /// Validation accuracy per epoch.
    pub val_acc: Vec<f64>,
}

/// What [`reference_run`] trains with.
pub struct RunSpec {
    /// Dropout of the MLP.
    pub dropout: f64,
    /// Optimiser.
    pub opt: Opt,
    /// Base learning rate.
    pub lr: f64,
    /// Weight decay.
    pub wd: f64,
    /// StepLR (step size, gamma); step size 0 for none.
    pub schedule: (i64, f64),
    /// Epochs.
    pub epochs: i64,
    /// Training batch size.
    pub batch_size: i64,
}

/// Trains libtorch's MLP from `weights` on `data` (after [`seed_torch`]).
pub fn reference_run(weights: &[(String, Tensor)], data: &Split, spec: &RunSpec, device: Device) -> Reference {
    let model = TorchMlp::new(weights, spec.dropout, device);
    let mut opt = spec.opt.build(&model.vs, spec.lr, spec.wd);
    let n = data.x_train.size()[0];
    let mut out = Reference { train_loss: Vec::new(), val_loss: Vec::new(), val_acc: Vec::new() };
    for epoch in 1..=spec.epochs {
        let (step_size, gamma) = spec.schedule;
        let lr = if step_size > 0 { spec.lr * gamma.powi(((epoch - 1) / step_size) as i32) } else { spec.lr };
        opt.set_lr(lr);
        let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
        let mut total = 0.0;
        let mut start = 0;
        while start < n {
            let size = spec.batch_size.min(n - start);
            let idx = order.narrow(0, start, size);
            total += step(&model, &mut opt, &data.x_train.index_select(0, &idx), &data.y_train.index_select(0, &idx)) * size as f64;
            start += size;
        }
        out.train_loss.push(total / n as f64);
        let (loss, acc) = tch::no_grad(|| mlp_loss_acc(&model.weights(), &data.x_val, &data.y_val, device));
        out.val_loss.push(loss);
        out.val_acc.push(acc);
    }
    out
}
