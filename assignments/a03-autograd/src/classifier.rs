//! Task 6: a classifier (7 features → 128 tanh units → 1 logit) trained with
//! your engine and binary cross-entropy on the shipped tabular data.

#[allow(unused_imports)]
use crate::engine::{bce_with_logits, tensor, Optimizer, Sgd, Tensor};
#[allow(unused_imports)]
use tch::Kind;

/// The network's parameters, leaves of the engine that require grad.
pub struct Classifier {
    /// (D, H)
    pub w1: Tensor,
    /// (1, H)
    pub b1: Tensor,
    /// (H, 1)
    pub w2: Tensor,
    /// (1, 1)
    pub b2: Tensor,
}

/// What `train_classifier` measured, one entry per epoch.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// the training loss of the epoch, before its update
    pub loss: Vec<f64>,
    /// accuracy on the training data, after the epoch's update
    pub train_accuracy: Vec<f64>,
    /// accuracy on the validation data, after the epoch's update
    pub val_accuracy: Vec<f64>,
}

impl Classifier {
    /// A network with weights drawn from N(0, 1/fan_in) (libtorch's
    /// generator) and zero biases (given).
    pub fn new(input_dim: i64, hidden_dim: i64) -> Classifier {
        let opts = (Kind::Double, tch::Device::Cpu);
        Classifier::from_weights(
            tch::Tensor::randn([input_dim, hidden_dim], opts) / (input_dim as f64).sqrt(),
            tch::Tensor::zeros([1, hidden_dim], opts),
            tch::Tensor::randn([hidden_dim, 1], opts) / (hidden_dim as f64).sqrt(),
            tch::Tensor::zeros([1, 1], opts),
        )
    }

    /// A network with these weights (copied into new leaves that require grad; given).
    pub fn from_weights(w1: tch::Tensor, b1: tch::Tensor, w2: tch::Tensor, b2: tch::Tensor) -> Classifier {
        Classifier { w1: tensor(w1.copy(), true), b1: tensor(b1.copy(), true), w2: tensor(w2.copy(), true), b2: tensor(b2.copy(), true) }
    }

    /// The parameters, in the order w1, b1, w2, b2 (handles to the same tensors; given).
    pub fn params(&self) -> Vec<Tensor> {
        vec![self.w1.clone(), self.b1.clone(), self.w2.clone(), self.b2.clone()]
    }

    /// The logits (N, 1) for a batch `x` (N, D): tanh(x·W1 + b1)·W2 + b2.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        // TODO: matmul, add the bias, tanh, matmul, add the bias
        todo!()
    }

    /// Class predictions (N, 1) as f64 0.0 / 1.0: 1 where the predicted
    /// probability σ(logit) is above 0.5, that is where the logit is above 0.
    pub fn predict(&self, x: &tch::Tensor) -> tch::Tensor {
        // TODO: forward on a leaf that does not require grad, then compare the logits with 0
        todo!()
    }
}

/// The fraction of rows of `x` whose prediction equals the label in `y` (N, 1).
pub fn accuracy(model: &Classifier, x: &tch::Tensor, y: &tch::Tensor) -> f64 {
    // TODO: compare predictions with labels, average
    todo!()
}

/// A random split of the row indices 0..n into training and validation
/// indices: ⌈val_fraction · n⌉ rows for validation (in exact arithmetic:
/// `val_fraction` has at most two decimals, and 0.07 of 100 rows is 7 rows
/// although `(0.07 * 100.0).ceil()` is 8), the rest for training, each index
/// in exactly one of them, in any order, drawn anew on every call with
/// libtorch's generator (`Tensor::randperm`). Returns (train, val).
pub fn split_train_val(n: i64, val_fraction: f64) -> (Vec<i64>, Vec<i64>) {
    // TODO: count in whole hundredths; a random permutation's first n_val entries are the validation rows
    todo!()
}

/// Full-batch gradient descent with your `Sgd`: in each of `epochs` epochs,
/// compute the logits of all training rows, the BCE loss, zero the
/// gradients, backpropagate and step; record the loss (before the step) and
/// the training and validation accuracy (after it).
pub fn train_classifier(
    model: &mut Classifier,
    x_train: &tch::Tensor,
    y_train: &tch::Tensor,
    x_val: &tch::Tensor,
    y_val: &tch::Tensor,
    lr: f64,
    epochs: i64,
) -> History {
    // TODO: one Sgd over model.params(); per epoch forward, loss, zero_grad, backward, step, measure
    todo!()
}
