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
    // BEGIN SOLUTION: two arcs from `Tensor::linspace`, stacked and concatenated; labels 0 then 1; add noise * randn
    let opts = (Kind::Float, Device::Cpu);
    let n_outer = n / 2;
    let n_inner = n - n_outer;
    let t = Tensor::linspace(0.0, PI, n_outer, opts);
    let outer = Tensor::stack(&[t.cos(), t.sin()], 1);
    let t = Tensor::linspace(0.0, PI, n_inner, opts);
    let inner = Tensor::stack(&[1.0 - t.cos(), 0.5 - t.sin()], 1);
    let clean = Tensor::cat(&[outer, inner], 0);
    let x = clean + Tensor::randn([n, 2], opts) * noise;
    let y = Tensor::cat(&[Tensor::zeros([n_outer], (Kind::Int64, Device::Cpu)), Tensor::ones([n_inner], (Kind::Int64, Device::Cpu))], 0);
    (x, y)
    // END SOLUTION
}

/// Exercise 2: two concentric circles. The first `n / 2` points lie on the
/// unit circle at angles `2π·i / (n / 2)`, label 0; the other `m = n - n / 2`
/// on the circle of radius `factor` at angles `2π·j / m`, label 1 (the
/// notebook uses factor 0.4). Then independent N(0, noise²) noise on every
/// coordinate. Same types as [`make_moons`].
pub fn make_circles(n: i64, noise: f64, factor: f64) -> (Tensor, Tensor) {
    // BEGIN SOLUTION: angles 2π·i/m (the end point excluded), cos and sin, the inner circle scaled by `factor`
    let opts = (Kind::Float, Device::Cpu);
    let n_outer = n / 2;
    let n_inner = n - n_outer;
    let circle = |m: i64, radius: f64| {
        let t = Tensor::arange(m, (Kind::Double, Device::Cpu)) * (2.0 * PI / m.max(1) as f64);
        (Tensor::stack(&[t.cos(), t.sin()], 1) * radius).to_kind(Kind::Float)
    };
    let clean = Tensor::cat(&[circle(n_outer, 1.0), circle(n_inner, factor)], 0);
    let x = clean + Tensor::randn([n, 2], opts) * noise;
    let y = Tensor::cat(&[Tensor::zeros([n_outer], (Kind::Int64, Device::Cpu)), Tensor::ones([n_inner], (Kind::Int64, Device::Cpu))], 0);
    (x, y)
    // END SOLUTION
}

/// Exercise 3: a noisy line. `x` is `(n, 1)` f32, uniform on [-2, 2];
/// `y = a·x + b + noise_std·ε` with ε ~ N(0, 1), also `(n, 1)` f32.
pub fn make_regression_1d(n: i64, a: f64, b: f64, noise_std: f64) -> (Tensor, Tensor) {
    // BEGIN SOLUTION: `Tensor::rand` is uniform on [0, 1): stretch and shift it; then the line plus scaled `randn`
    let opts = (Kind::Float, Device::Cpu);
    let x = Tensor::rand([n, 1], opts) * 4.0 - 2.0;
    let y = &x * a + b + Tensor::randn([n, 1], opts) * noise_std;
    (x, y)
    // END SOLUTION
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
        // BEGIN SOLUTION: compare the first dimensions before accepting the tensors
        let (x_rows, y_rows) = (x.size().first().copied().unwrap_or(0), y.size().first().copied().unwrap_or(0));
        if x_rows != y_rows {
            return Err(DataError::LengthMismatch { x_rows, y_rows });
        }
        Ok(TensorDataset { x, y })
        // END SOLUTION
    }

    /// Number of samples.
    pub fn len(&self) -> i64 {
        self.x.size().first().copied().unwrap_or(0) // SOLUTION: the number of rows of x
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The features and targets of the samples at `indices` (a 1-D i64 tensor), in that order.
    pub fn get(&self, indices: &Tensor) -> (Tensor, Tensor) {
        (self.x.index_select(0, indices), self.y.index_select(0, indices)) // SOLUTION: select the same rows of x and of y
    }

    /// A new dataset of the samples at `indices`, in that order.
    pub fn subset(&self, indices: &[i64]) -> TensorDataset {
        // BEGIN SOLUTION: `get` the rows, then wrap them
        let (x, y) = self.get(&Tensor::from_slice(indices));
        TensorDataset { x, y }
        // END SOLUTION
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
