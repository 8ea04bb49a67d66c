//! Exercise 5: a first nonlinear model for the next frame, its baseline, and
//! its training.

#[allow(unused_imports)]
use tch::nn::{self, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Device, Kind, Reduction, Tensor};

/// A small convolutional network that predicts the next frame from a window
/// of `w` frames (the window's frames are its input channels):
///
/// ```text
/// (n, w, H, W) → conv w→width (3×3, padding 1) → ReLU
///              → conv width→width (3×3, padding 1) → ReLU
///              → conv width→1 (3×3, padding 1)        → (n, 1, H, W)
///              → drop the channel, add the window's last frame → (n, H, W)
/// ```
///
/// It learns the *change* from the last frame, and starts at the
/// persistence baseline.
#[derive(Debug)]
pub struct NextFrameCnn {
    /// First convolution: w → width channels.
    pub conv1: nn::Conv2D,
    /// Second convolution: width → width channels.
    pub conv2: nn::Conv2D,
    /// Last convolution: width → 1 channel.
    pub conv3: nn::Conv2D,
}

impl NextFrameCnn {
    /// Creates the layers under `path` for windows of `w` frames: libtorch's
    /// default initialisation, except `conv3`, which starts at zero so that
    /// the untrained network is exactly the persistence baseline.
    pub fn new(path: &nn::Path, w: i64, width: i64) -> NextFrameCnn {
        let same = nn::ConvConfig { padding: 1, ..Default::default() };
        let zero = nn::ConvConfig { ws_init: nn::Init::Const(0.0), bs_init: nn::Init::Const(0.0), ..same };
        NextFrameCnn {
            conv1: nn::conv2d(path / "conv1", w, width, 3, same),
            conv2: nn::conv2d(path / "conv2", width, width, 3, same),
            conv3: nn::conv2d(path / "conv3", width, 1, 3, zero),
        }
    }

    /// The six parameter tensors, in the order conv1 weight, conv1 bias,
    /// conv2 weight, conv2 bias, conv3 weight, conv3 bias (shallow clones:
    /// they share storage with the layers).
    pub fn parameters(&self) -> Vec<Tensor> {
        let mut out = Vec::new();
        for conv in [&self.conv1, &self.conv2, &self.conv3] {
            out.push(conv.ws.shallow_clone());
            if let Some(bs) = &conv.bs {
                out.push(bs.shallow_clone());
            }
        }
        out
    }

    /// Exercise 5b: the predicted next frames (n, H, W) of windows (n, w, H, W).
    pub fn forward(&self, windows: &Tensor) -> Tensor {
        // TODO: three convolutions with ReLU between, then the last frame of the window added back
        todo!()
    }
}

/// Exercise 5a: the persistence baseline, "the next frame is the last one":
/// the last frame of every window, (n, H, W) from windows (n, w, H, W).
pub fn persistence(windows: &Tensor) -> Tensor {
    // TODO: pick the window's last frame
    todo!()
}

/// How to train a [`NextFrameCnn`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Channels of the hidden convolutions.
    pub width: i64,
    /// Passes over the training windows.
    pub epochs: i64,
    /// Windows per mini-batch (the last batch may be smaller).
    pub batch_size: i64,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds libtorch's generator (initial weights, shuffling).
    pub seed: i64,
}

/// A trained network, with the store that holds its weights.
#[derive(Debug)]
pub struct Trained {
    /// Holds the weights; keep it alive as long as the model.
    pub vs: nn::VarStore,
    /// The trained network.
    pub model: NextFrameCnn,
    /// The training loss of every epoch: the mean squared error per pixel,
    /// averaged over the epoch's windows (each batch's mean weighted by its
    /// number of windows). With `lr = 0` nothing moves, and every entry is
    /// the persistence baseline's MSE over all the windows.
    pub losses: Vec<f64>,
}

/// Exercise 5c: trains a fresh [`NextFrameCnn`] (its `w` from the inputs'
/// second dimension) on windows `inputs` (n, w, H, W) and targets (n, H, W)
/// with the mean squared error and Adam: `tch::manual_seed(config.seed)`,
/// then `config.epochs` passes over shuffled mini-batches.
pub fn train_next_frame(inputs: &Tensor, targets: &Tensor, config: &TrainConfig) -> Trained {
    // TODO: seed, a VarStore and the model, Adam; each epoch a random permutation cut into batches
    todo!()
}
