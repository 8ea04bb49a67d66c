//! Exercise 1: `TinyCnn`, the notebook's small convolutional network for
//! 16×16 grey images with two classes.

use tch::nn::{self, ModuleT};
use tch::Tensor;

/// Probability with which dropout zeroes a hidden unit while training.
pub const DROPOUT: f64 = 0.2;

/// The notebook's TinyCNN:
///
/// ```text
/// (n, 1, 16, 16) → conv 1→8 (3×3, padding 1) → ReLU → max-pool 2×2     → (n, 8, 8, 8)
///                → conv 8→16 (3×3, padding 1) → ReLU → max-pool 2×2    → (n, 16, 4, 4)
///                → flatten                                            → (n, 256)
///                → linear 256→32 → ReLU → dropout(0.2) → linear 32→2   → (n, 2) logits
/// ```
///
/// The layers are given; you write the forward pass. The grader builds your
/// network, copies its own weights into these four layers, and compares your
/// forward pass with libtorch's.
#[derive(Debug)]
pub struct TinyCnn {
    /// First convolution: 1 → 8 channels, 3×3 kernel, padding 1.
    pub conv1: nn::Conv2D,
    /// Second convolution: 8 → 16 channels, 3×3 kernel, padding 1.
    pub conv2: nn::Conv2D,
    /// Hidden linear layer: 16·4·4 = 256 → 32.
    pub fc1: nn::Linear,
    /// Output layer: 32 → 2 class logits.
    pub fc2: nn::Linear,
}

impl TinyCnn {
    /// Creates the layers under `path`, with libtorch's default initialisation.
    pub fn new(path: &nn::Path) -> TinyCnn {
        let same = nn::ConvConfig { padding: 1, ..Default::default() };
        TinyCnn {
            conv1: nn::conv2d(path / "conv1", 1, 8, 3, same),
            conv2: nn::conv2d(path / "conv2", 8, 16, 3, same),
            fc1: nn::linear(path / "fc1", 16 * 4 * 4, 32, Default::default()),
            fc2: nn::linear(path / "fc2", 32, 2, Default::default()),
        }
    }
}

impl ModuleT for TinyCnn {
    /// The logits (n, 2) of a batch of images (n, 1, 16, 16). Dropout is
    /// active only when `train` is true.
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        // BEGIN SOLUTION: two conv → ReLU → pool blocks, flatten, then linear → ReLU → dropout → linear
        xs.apply(&self.conv1)
            .relu()
            .max_pool2d_default(2)
            .apply(&self.conv2)
            .relu()
            .max_pool2d_default(2)
            .flatten(1, -1)
            .apply(&self.fc1)
            .relu()
            .dropout(DROPOUT, train)
            .apply(&self.fc2)
        // END SOLUTION
    }
}
