//! Exercise 4: splitting windows without leakage.
//!
//! Window `i` of size `w` uses frames `i, …, i + w` (its `w` inputs and its
//! target). Two windows that share a frame are near-duplicates: a model
//! trained on one has seen part of the other. A test window that shares a
//! frame with any training window leaks.

#[allow(unused_imports)]
use std::collections::BTreeSet;

/// Window indices of a train/test split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSplit {
    /// Training windows, in increasing order.
    pub train: Vec<i64>,
    /// Test windows, in increasing order.
    pub test: Vec<i64>,
}

/// The split many first attempts make, given for comparison: shuffle the
/// windows with a seeded generator and put a share `test_fraction` of them
/// (rounded down) in the test set. With overlapping windows it leaks.
pub fn random_split(n_windows: i64, test_fraction: f64, seed: u64) -> WindowSplit {
    let mut order: Vec<i64> = (0..n_windows).collect();
    let mut state = seed;
    for i in (1..order.len()).rev() {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        order.swap(i, (z % (i as u64 + 1)) as usize);
    }
    let n_test = (n_windows as f64 * test_fraction).floor() as usize;
    let mut test = order[..n_test].to_vec();
    let mut train = order[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    WindowSplit { train, test }
}

/// Exercise 4a: the leak check. Returns, in increasing order and each once,
/// the test windows that share at least one frame (input or target) with a
/// training window, for windows of `w` input frames.
pub fn leaking_windows(split: &WindowSplit, w: i64) -> Vec<i64> {
    // BEGIN SOLUTION: the set of frames the training windows use; a test window leaks if one of its frames is in it
    let seen: BTreeSet<i64> = split.train.iter().flat_map(|&i| i..=i + w).collect();
    let leaks: BTreeSet<i64> = split.test.iter().copied().filter(|&j| (j..=j + w).any(|f| seen.contains(&f))).collect();
    leaks.into_iter().collect()
    // END SOLUTION
}

/// Exercise 4b: the honest, temporal split of the `n_frames − w` windows of
/// `n_frames` frames: the test windows are the last `n_test` windows
/// (`1 ≤ n_test ≤ n_frames − w`), and the training windows are every earlier
/// window that shares no frame with a test window. So the `w` windows just
/// before the test block are dropped (fewer when there are not that many).
pub fn temporal_split(n_frames: i64, w: i64, n_test: i64) -> WindowSplit {
    // BEGIN SOLUTION: the test block at the end; training stops w windows before it
    let first_test = n_frames - w - n_test;
    WindowSplit { train: (0..(first_test - w).max(0)).collect(), test: (first_test..n_frames - w).collect() }
    // END SOLUTION
}
