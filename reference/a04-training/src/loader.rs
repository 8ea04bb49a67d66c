//! Exercise 5: the data loader: batches, seeded shuffling, and the last
//! partial batch.

use crate::data::{DataError, TensorDataset};
use crate::rng::SplitMix64;
#[allow(unused_imports)]
use tch::Tensor;

/// A random order of `0..n` (a Fisher–Yates shuffle driven by `rng`): every
/// order equally likely, and the same order for the same generator state.
pub fn permutation(n: i64, rng: &mut SplitMix64) -> Vec<i64> {
    // BEGIN SOLUTION: start from 0, 1, ..., n-1; walk i from the end down to 1 and swap entry i with a random entry j ≤ i
    let mut order: Vec<i64> = (0..n).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
    // END SOLUTION
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
        // BEGIN SOLUTION: reject batch sizes below 1; the generator starts from `seed`
        if batch_size < 1 {
            return Err(DataError::BatchSize(batch_size));
        }
        Ok(DataLoader { dataset, batch_size, shuffle, rng: SplitMix64::new(seed) })
        // END SOLUTION
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
        (self.dataset.len() + self.batch_size - 1) / self.batch_size // SOLUTION: the number of samples divided by the batch size, rounded up
    }

    /// The batches of the next epoch, as (features, targets) pairs.
    pub fn epoch(&mut self) -> Vec<(Tensor, Tensor)> {
        // BEGIN SOLUTION: an order (shuffled or not), cut into chunks of `batch_size`, each chunk turned into a batch with `get`
        let n = self.dataset.len();
        let order = if self.shuffle { permutation(n, &mut self.rng) } else { (0..n).collect() };
        order.chunks(self.batch_size as usize).map(|chunk| self.dataset.get(&Tensor::from_slice(chunk))).collect()
        // END SOLUTION
    }
}
