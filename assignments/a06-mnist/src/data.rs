//! Exercises 2 and 3: the four MNIST files of a directory, and the 90/10
//! train/validation split.

#[allow(unused_imports)]
use crate::idx::{read_idx_images, read_idx_labels, IdxError};
use std::path::Path;
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// The standard MNIST file names, used for the shipped digits too.
pub const FILES: [&str; 4] = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// A dataset of images and labels, split into a training and a test part.
#[derive(Debug)]
pub struct Mnist {
    /// Training images, (n, rows, columns) f32 in [0, 1].
    pub train_images: Tensor,
    /// Training labels, (n,) i64 in 0..10.
    pub train_labels: Tensor,
    /// Test images, (m, rows, columns) f32 in [0, 1].
    pub test_images: Tensor,
    /// Test labels, (m,) i64 in 0..10.
    pub test_labels: Tensor,
}

impl Mnist {
    /// Pixels per image, rows · columns: the MLP's input size (784 for MNIST, 64 for the shipped digits).
    pub fn pixels(&self) -> i64 {
        let size = self.train_images.size();
        size[1..].iter().product()
    }
}

/// The directory of the 8×8 digits that ship with this assignment.
pub fn shipped_digits() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("digits")
}

/// Exercise 2: reads the four files of [`FILES`] from `dir` (real MNIST, once
/// decompressed, or the shipped digits).
pub fn load_mnist(dir: &Path) -> Result<Mnist, IdxError> {
    // TODO: the four readers on the four standard file names
    todo!()
}

/// Exercise 3: splits the indices `0..n` into training (90 %) and validation
/// (10 %): `tch::manual_seed(seed)`, then one `Tensor::randperm(n, …)`; its
/// first `n / 10` entries (integer division, like the notebook's
/// `int(n * 0.1)`) are the validation indices and the rest the training
/// indices, both in the permutation's order. The same seed gives the same split.
pub fn split_train_val(n: i64, seed: i64) -> (Vec<i64>, Vec<i64>) {
    // TODO: tch::manual_seed(seed), a random permutation, cut it
    todo!()
}
