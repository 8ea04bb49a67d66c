//! Exercises 10–11: the linear regressor of Exercise A and the MLP classifier.

#[allow(unused_imports)]
use tch::nn::{self, Module};
use tch::Tensor;

/// A shape mistake caught before it turns into a libtorch panic, or worse,
/// into silent broadcasting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// The input does not have the number of features the model takes.
    #[error("x has shape {got:?}, but the model takes {expected} feature(s) per sample: x must have shape [n, {expected}]")]
    Input {
        /// features per sample the model takes
        expected: i64,
        /// the shape of x
        got: Vec<i64>,
    },
    /// The prediction and the target have different shapes.
    #[error("the model predicts shape {prediction:?} but the targets have shape {target:?}: the model needs one output per target column")]
    Target {
        /// the shape of the prediction
        prediction: Vec<i64>,
        /// the shape of the targets
        target: Vec<i64>,
    },
}

/// Exercise 10: one linear layer, `x ↦ x Wᵀ + b`, from `in_dim` features to
/// `out_dim` outputs. Its layer is named `linear` under the path it gets.
#[derive(Debug)]
pub struct LinearRegressor {
    linear: nn::Linear,
    in_dim: i64,
    out_dim: i64,
}

impl LinearRegressor {
    /// A regressor with a fresh `nn::linear` layer at `p / "linear"`.
    pub fn new(p: &nn::Path, in_dim: i64, out_dim: i64) -> LinearRegressor {
        // TODO: one `nn::linear` named "linear"; remember the dimensions
        todo!()
    }

    /// Features per sample the model takes.
    pub fn in_dim(&self) -> i64 {
        self.in_dim
    }

    /// Outputs per sample the model predicts.
    pub fn out_dim(&self) -> i64 {
        self.out_dim
    }

    /// The weight, `(out_dim, in_dim)`.
    pub fn weight(&self) -> &Tensor {
        &self.linear.ws
    }

    /// The bias, `(out_dim,)`.
    pub fn bias(&self) -> Option<&Tensor> {
        self.linear.bs.as_ref()
    }

    /// The prediction for `x` (n × in_dim). Fails with
    /// [`ShapeError::Input`] when `x` is not 2-D with `in_dim` columns,
    /// before libtorch sees it.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, ShapeError> {
        // TODO: look at x.size() first; only then apply the layer
        todo!()
    }
}

/// Exercise 11: the MLP classifier of the notebook:
/// `Linear(in, hidden) → ReLU → Dropout(p) → Linear(hidden, hidden) → ReLU → Linear(hidden, classes)`.
/// Its layers are named `fc1`, `fc2` and `out` under the path it gets, so its
/// variables are `fc1.weight`, `fc1.bias`, `fc2.weight`, `fc2.bias`,
/// `out.weight` and `out.bias`. It returns logits (no softmax).
#[derive(Debug)]
pub struct Mlp {
    fc1: nn::Linear,
    fc2: nn::Linear,
    out: nn::Linear,
    dropout: f64,
}

impl Mlp {
    /// An MLP with fresh layers at `p / "fc1"`, `p / "fc2"` and `p / "out"`,
    /// dropping hidden units with probability `dropout` in training mode.
    pub fn new(p: &nn::Path, in_dim: i64, hidden: i64, n_classes: i64, dropout: f64) -> Mlp {
        // TODO: three `nn::linear` layers with the names above
        todo!()
    }
}

impl nn::ModuleT for Mlp {
    /// The logits for `xs`; dropout is active only when `train` is true.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        // TODO: apply the layers in order; `Tensor::dropout(p, train)` does nothing when train is false
        todo!()
    }
}
