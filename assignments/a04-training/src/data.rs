//! Part A: toy data sets, and the dataset type the loader batches.
//!
//! Every generator returns `f32` features and draws its noise from libtorch's
//! global generator (`Tensor::randn`, `Tensor::rand`), which the grader seeds.

#[allow(unused_imports)]
use std::f64::consts::PI;
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Problems with data, loaders and splits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// Features and targets have different numbers of rows.
    #[error("x has {x_rows} rows but y has {y_rows}: a dataset needs exactly one target per sample")]
    LengthMismatch {
        /// rows of x
        x_rows: i64,
        /// rows of y
        y_rows: i64,
    },
    /// A batch size below 1.
    #[error("batch_size must be at least 1, got {0}")]
    BatchSize(i64),
    /// Split percentages that are negative or do not add up to 100.
    #[error("split percentages {0:?} must be non-negative whole numbers that add up to 100")]
    Percentages(Vec<i64>),
}

/// Exercise 1: the two-moons data set. `n` points in the plane, as an `(n, 2)`
/// f32 tensor, and their labels as an `(n,)` i64 tensor.
///
/// The first `n / 2` points (rounded down) lie on the upper half of the unit
/// circle, `(cos t, sin t)` for `t` = `linspace(0, π, n / 2)`, label 0. The
/// other `n - n / 2` lie on the lower moon `(1 - cos t, 1 - sin t - 0.5)` for
/// `t` = `linspace(0, π, n - n / 2)`, label 1. Then every coordinate gets its
/// own independent N(0, noise²) noise. No shuffling: the split shuffles.
pub fn make_moons(n: i64, noise: f64) -> (Tensor, Tensor) {
    // TODO: two arcs from `Tensor::linspace`, stacked and concatenated; labels 0 then 1; add noise * randn
    todo!()
}

/// Exercise 2: two concentric circles. The first `n / 2` points lie on the
/// unit circle at angles `2π·i / (n / 2)`, label 0; the other `m = n - n / 2`
/// on the circle of radius `factor` at angles `2π·j / m`, label 1 (the
/// notebook uses factor 0.4). Then independent N(0, noise²) noise on every
/// coordinate. Same types as [`make_moons`].
pub fn make_circles(n: i64, noise: f64, factor: f64) -> (Tensor, Tensor) {
    // TODO: angles 2π·i/m (the end point excluded), cos and sin, the inner circle scaled by `factor`
    todo!()
}

/// Exercise 3: a noisy line. `x` is `(n, 1)` f32, uniform on [-2, 2];
/// `y = a·x + b + noise_std·ε` with ε ~ N(0, 1), also `(n, 1)` f32.
pub fn make_regression_1d(n: i64, a: f64, b: f64, noise_std: f64) -> (Tensor, Tensor) {
    // TODO: `Tensor::rand` is uniform on [0, 1): stretch and shift it; then the line plus scaled `randn`
    todo!()
}

/// Exercise 4: features and targets, one row per sample: the Rust version of
/// PyTorch's `TensorDataset`.
#[derive(Debug)]
pub struct TensorDataset {
    x: Tensor,
    y: Tensor,
}

impl TensorDataset {
    /// A dataset of the rows of `x` and `y`; fails with
    /// [`DataError::LengthMismatch`] unless they have the same number of rows.
    pub fn new(x: Tensor, y: Tensor) -> Result<TensorDataset, DataError> {
        // TODO: compare the first dimensions before accepting the tensors
        todo!()
    }

    /// Number of samples.
    pub fn len(&self) -> i64 {
        // TODO: the number of rows of x
        todo!()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The features and targets of the samples at `indices` (a 1-D i64 tensor), in that order.
    pub fn get(&self, indices: &Tensor) -> (Tensor, Tensor) {
        // TODO: select the same rows of x and of y
        todo!()
    }

    /// A new dataset of the samples at `indices`, in that order.
    pub fn subset(&self, indices: &[i64]) -> TensorDataset {
        // TODO: `get` the rows, then wrap them
        todo!()
    }

    /// All features (one row per sample).
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// All targets (one row per sample).
    pub fn y(&self) -> &Tensor {
        &self.y
    }
}

impl Clone for TensorDataset {
    /// Another handle to the same data (tensors are shared, not copied).
    fn clone(&self) -> Self {
        TensorDataset { x: self.x.shallow_clone(), y: self.y.shallow_clone() }
    }
}
