//! Leakage tests, the notebook's "Too good to be true!" made rigorous:
//!
//! - [`split_integrity`]: index sets that are disjoint, cover the dataset and
//!   have the requested sizes;
//! - [`duplicates_across_splits`]: no sample, by content (optionally after
//!   rounding), in two splits;
//! - [`shuffled_labels`]: a pipeline trained on shuffled labels must score
//!   chance on held-out data (exact binomial tail at α = 1e-3), with a positive
//!   control that must beat chance.
//!
//! Each returns `Ok` or a [`Failure::Wrong`](crate::suite::Failure::Wrong)
//! whose message says what leaks, how much, with examples, and what to check;
//! a check function returns it as is. Leakage is never judged on training
//! accuracy.
//!
//! ```
//! use gradwork::leakage::split_integrity;
//! let splits = [("train", vec![0, 1, 2]), ("val", vec![3]), ("test", vec![4])];
//! assert!(split_integrity(5, &splits, Some(&[3, 1, 1])).is_ok());
//! ```

mod rows;
mod shuffled;
mod splits;

pub use crate::stats::binomial_tail;
pub use shuffled::{shuffled_labels, LeakageReport, Pipeline, ShuffledLabelOptions, DEFAULT_LEAKAGE_ALPHA};
pub use splits::{duplicates_across_splits, split_integrity};
