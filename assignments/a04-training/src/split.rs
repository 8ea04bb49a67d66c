//! Exercise 6: train/validation/test splits that are disjoint, complete and
//! reproducible from a seed.

use crate::data::{DataError, TensorDataset};
#[allow(unused_imports)]
use crate::loader::permutation;
#[allow(unused_imports)]
use crate::rng::SplitMix64;

/// Splits the sample indices `0..n` into parts of the given percentages
/// (`[70, 15, 15]` or `[60, 20, 20]`). Every part but the last gets
/// `n * percent / 100` samples (integer division); the last gets the rest.
/// The indices are one random permutation of `0..n` from
/// `SplitMix64::new(seed)`, cut into consecutive pieces: every sample lands
/// in exactly one part, and the same seed gives the same split.
///
/// Fails with [`DataError::Percentages`] unless the percentages are
/// non-negative and add up to 100.
pub fn split_indices(n: i64, percents: &[i64], seed: u64) -> Result<Vec<Vec<i64>>, DataError> {
    // TODO: check the percentages; shuffle once; cut consecutive pieces of the computed sizes
    todo!()
}

/// The datasets of [`split_indices`]`(dataset.len(), percents, seed)`.
pub fn split_dataset(dataset: &TensorDataset, percents: &[i64], seed: u64) -> Result<Vec<TensorDataset>, DataError> {
    // TODO: one subset per part of the split
    todo!()
}
