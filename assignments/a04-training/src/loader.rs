//! Exercise 5: the data loader: batches, seeded shuffling, and the last
//! partial batch.

use crate::data::{DataError, TensorDataset};
use crate::rng::SplitMix64;
#[allow(unused_imports)]
use tch::Tensor;

/// A random order of `0..n` (a Fisher–Yates shuffle driven by `rng`): every
/// order equally likely, and the same order for the same generator state.
pub fn permutation(n: i64, rng: &mut SplitMix64) -> Vec<i64> {
    // TODO: start from 0, 1, ..., n-1; walk i from the end down to 1 and swap entry i with a random entry j ≤ i
    todo!()
}

/// Batches of a dataset, like PyTorch's `DataLoader` with `drop_last=False`.
///
/// Each call of [`DataLoader::epoch`] is one pass over the data: every sample
/// exactly once, in batches of `batch_size`, the last batch smaller when
/// `batch_size` does not divide the number of samples. With `shuffle`, each
/// epoch visits the samples in a new random order drawn from the loader's own
/// generator, so a loader made with the same seed repeats the same sequence of
/// epochs; without it, the order is 0, 1, 2, ...
#[derive(Debug)]
pub struct DataLoader {
    dataset: TensorDataset,
    batch_size: i64,
    shuffle: bool,
    rng: SplitMix64,
}

impl DataLoader {
    /// A loader over `dataset`; fails with [`DataError::BatchSize`] when `batch_size < 1`.
    pub fn new(dataset: TensorDataset, batch_size: i64, shuffle: bool, seed: u64) -> Result<DataLoader, DataError> {
        // TODO: reject batch sizes below 1; the generator starts from `seed`
        todo!()
    }

    /// The dataset this loader batches.
    pub fn dataset(&self) -> &TensorDataset {
        &self.dataset
    }

    /// Samples per batch (the last batch of an epoch may have fewer).
    pub fn batch_size(&self) -> i64 {
        self.batch_size
    }

    /// Number of batches in one epoch.
    pub fn num_batches(&self) -> i64 {
        // TODO: the number of samples divided by the batch size, rounded up
        todo!()
    }

    /// The batches of the next epoch, as (features, targets) pairs.
    pub fn epoch(&mut self) -> Vec<(Tensor, Tensor)> {
        // TODO: an order (shuffled or not), cut into chunks of `batch_size`, each chunk turned into a batch with `get`
        todo!()
    }
}
