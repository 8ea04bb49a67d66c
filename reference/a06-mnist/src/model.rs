//! Exercise 4: the notebook's MLP, (rows·columns) → 256 → 256 → 10.

use tch::nn::{self, Module};
use tch::Tensor;

/// Width of the two hidden layers.
pub const HIDDEN: i64 = 256;
/// Number of classes (digits 0 to 9).
pub const CLASSES: i64 = 10;

/// flatten → linear (in → 256) → ReLU → linear (256 → 256) → ReLU → linear (256 → 10).
/// The layers are given; you write the forward pass.
#[derive(Debug)]
pub struct Mlp {
    /// Input layer: rows·columns → 256.
    pub fc1: nn::Linear,
    /// Hidden layer: 256 → 256.
    pub fc2: nn::Linear,
    /// Output layer: 256 → 10 class logits.
    pub fc3: nn::Linear,
}

impl Mlp {
    /// Creates the layers under `path` (saved as `fc1.weight`, `fc1.bias`, …)
    /// for images of `pixels` = rows·columns pixels.
    pub fn new(path: &nn::Path, pixels: i64) -> Mlp {
        Mlp {
            fc1: nn::linear(path / "fc1", pixels, HIDDEN, Default::default()),
            fc2: nn::linear(path / "fc2", HIDDEN, HIDDEN, Default::default()),
            fc3: nn::linear(path / "fc3", HIDDEN, CLASSES, Default::default()),
        }
    }
}

impl Module for Mlp {
    /// The logits (n, 10) of a batch of images (n, rows, columns).
    fn forward(&self, xs: &Tensor) -> Tensor {
        // BEGIN SOLUTION: flatten each image to a row, then the three layers with ReLU between them
        xs.flatten(1, -1).apply(&self.fc1).relu().apply(&self.fc2).relu().apply(&self.fc3)
        // END SOLUTION
    }
}
