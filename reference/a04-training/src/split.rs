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
    // BEGIN SOLUTION: check the percentages; shuffle once; cut consecutive pieces of the computed sizes
    if percents.is_empty() || percents.iter().any(|&p| p < 0) || percents.iter().sum::<i64>() != 100 {
        return Err(DataError::Percentages(percents.to_vec()));
    }
    let mut rng = SplitMix64::new(seed);
    let order = permutation(n, &mut rng);
    let mut parts = Vec::with_capacity(percents.len());
    let mut start = 0;
    for (k, &percent) in percents.iter().enumerate() {
        let size = if k + 1 == percents.len() { n - start } else { n * percent / 100 };
        parts.push(order[start as usize..(start + size) as usize].to_vec());
        start += size;
    }
    Ok(parts)
    // END SOLUTION
}

/// The datasets of [`split_indices`]`(dataset.len(), percents, seed)`.
pub fn split_dataset(dataset: &TensorDataset, percents: &[i64], seed: u64) -> Result<Vec<TensorDataset>, DataError> {
    Ok(split_indices(dataset.len(), percents, seed)?.iter().map(|part| dataset.subset(part)).collect()) // SOLUTION: one subset per part of the split
}
