//! Random inputs from the check's seeded generator (never libtorch's global one).

use rand::Rng;
use tch::{Device, Kind, Tensor};

/// A standard normal number (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// An f64 CPU tensor of `shape` with N(0, std²) entries.
pub fn normal_tensor(rng: &mut impl Rng, shape: &[i64], std: f64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| normal(rng) * std).collect();
    Tensor::from_slice(&values).view(shape)
}

/// An f64 CPU tensor of `shape` with entries uniform in [lo, hi).
pub fn uniform_tensor(rng: &mut impl Rng, shape: &[i64], lo: f64, hi: f64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| rng.random_range(lo..hi)).collect();
    Tensor::from_slice(&values).view(shape)
}

/// Random class labels 0..classes, as an i64 tensor of shape (n,).
pub fn labels(rng: &mut impl Rng, n: i64, classes: i64) -> Tensor {
    let values: Vec<i64> = (0..n).map(|_| rng.random_range(0..classes)).collect();
    Tensor::from_slice(&values)
}

/// The notebook's toy data: `n_per_class` points around (−1, −1) labelled 0,
/// then as many around (1, 1) labelled 1, covariance 0.3·I.
pub fn two_clusters(rng: &mut impl Rng, n_per_class: i64) -> (Tensor, Tensor) {
    let spread = 0.3f64.sqrt();
    let class0 = normal_tensor(rng, &[n_per_class, 2], spread) - 1.0;
    let class1 = normal_tensor(rng, &[n_per_class, 2], spread) + 1.0;
    let x = Tensor::cat(&[class0, class1], 0);
    let y = Tensor::cat(
        &[Tensor::zeros([n_per_class], (Kind::Int64, Device::Cpu)), Tensor::ones([n_per_class], (Kind::Int64, Device::Cpu))],
        0,
    );
    (x, y)
}

/// Whether every entry of `t` is at least `margin` away from 0 (ReLU's kink).
pub fn away_from_zero(t: &Tensor, margin: f64) -> bool {
    t.abs().min().double_value(&[]) >= margin
}
