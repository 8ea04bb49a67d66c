//! Split integrity: index sets that partition the dataset, and no sample
//! (by content) in more than one split.

use super::rows::{identities, Rows};
use crate::suite::Failure;
use std::collections::HashMap;
use std::fmt::Write as _;
use tch::Tensor;

/// How many example indices a message lists.
const EXAMPLES: usize = 5;

/// Checks that train/val/test index sets are disjoint, cover `0..n`, hold
/// every index once, and have the expected sizes (when given, one per split,
/// in order). On failure, a [`Failure::Wrong`] lists every problem with its
/// count and up to five example indices.
///
/// ```
/// use gradwork::leakage::split_integrity;
/// let good = [("train", vec![0, 2, 4, 5]), ("val", vec![1, 3])];
/// assert!(split_integrity(6, &good, Some(&[4, 2])).is_ok());
///
/// // The validation set drawn from the training indices:
/// let leaky = [("train", vec![0, 1, 2, 3, 4, 5]), ("val", vec![1, 3])];
/// let failure = split_integrity(6, &leaky, None).unwrap_err();
/// assert!(format!("{failure:?}").contains("`train` and `val` share 2 samples (indices 1, 3)"));
/// ```
pub fn split_integrity(n: usize, splits: &[(&str, Vec<i64>)], expected_sizes: Option<&[usize]>) -> Result<(), Failure> {
    if let Some(sizes) = expected_sizes {
        if sizes.len() != splits.len() {
            return Err(Failure::Grader(format!(
                "split_integrity got {} expected sizes for {} splits",
                sizes.len(),
                splits.len()
            )));
        }
    }
    let mut owner: Vec<Option<usize>> = vec![None; n];
    let mut last_seen: Vec<usize> = vec![0; n]; // 1 + the last split that listed the index
    let mut overlaps: Vec<((usize, usize), Vec<i64>)> = Vec::new();
    let mut problems = Vec::new();
    for (s, (name, indices)) in splits.iter().enumerate() {
        let (mut outside, mut repeated) = (Vec::new(), Vec::new());
        for &i in indices {
            let Some(slot) = usize::try_from(i).ok().filter(|&u| u < n) else {
                outside.push(i);
                continue;
            };
            if last_seen[slot] == s + 1 {
                repeated.push(i);
                continue;
            }
            last_seen[slot] = s + 1;
            match owner[slot] {
                Some(t) => match overlaps.iter_mut().find(|(pair, _)| *pair == (t, s)) {
                    Some((_, list)) => list.push(i),
                    None => overlaps.push(((t, s), vec![i])),
                },
                None => owner[slot] = Some(s),
            }
        }
        if !outside.is_empty() {
            problems.push(format!(
                "`{name}` holds {} outside 0..{n} (the dataset has {n} samples): {}",
                count(outside.len(), "index", "indices"),
                examples(&outside)
            ));
        }
        if !repeated.is_empty() {
            problems.push(format!(
                "`{name}` lists {} more than once ({})",
                count(repeated.len(), "sample", "samples"),
                labelled(&repeated)
            ));
        }
    }
    for ((t, s), list) in &overlaps {
        problems.push(format!(
            "`{}` and `{}` share {} ({})",
            splits[*t].0,
            splits[*s].0,
            count(list.len(), "sample", "samples"),
            labelled(list)
        ));
    }
    let missing: Vec<i64> = (0..n).filter(|&i| owner[i].is_none()).map(|i| i as i64).collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{} in no split ({})",
            count(missing.len(), "sample is", "samples are"),
            labelled(&missing)
        ));
    }
    if let Some(sizes) = expected_sizes {
        for ((name, indices), &want) in splits.iter().zip(sizes) {
            if indices.len() != want {
                problems.push(format!("`{name}` has {} indices; expected {want}", indices.len()));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut message = format!("The splits are not a partition of the {n} samples into disjoint sets:\n\n");
    for p in &problems {
        let _ = writeln!(message, "- {p}");
    }
    message.push_str(
        "\nShuffle the indices 0..n once and cut that one permutation into consecutive pieces of the \
         requested sizes. Drawing each split on its own, or drawing the validation set from the training \
         indices, makes splits overlap: the model is then scored on samples it trained on.",
    );
    Err(Failure::wrong(message))
}

/// Finds samples (rows of `x`, any shape `(n, ...)`) that appear in more than
/// one split, comparing each row's canonical bytes exactly, or with
/// `round_decimals` after rounding every value to that many decimals (to catch
/// near-duplicates). Reports, per pair of splits, how many samples of the later
/// split also appear in the earlier one, with up to five example index pairs.
/// The same index in two splits counts too; duplicates within one split do not.
///
/// ```
/// use gradwork::leakage::duplicates_across_splits;
/// use tch::Tensor;
/// // Rows 0 and 3 are the same sample; rows 1 and 2 differ in the 5th decimal.
/// let x = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 3.00001, 4.0, 1.0, 2.0]).view([4, 2]);
/// let splits = [("train", vec![0, 1]), ("test", vec![2, 3])];
/// let exact = duplicates_across_splits(&x, &splits, None).unwrap_err();
/// assert!(format!("{exact:?}").contains("1 of the 2 samples in `test` also appears in `train`"));
/// let rounded = duplicates_across_splits(&x, &splits, Some(3)).unwrap_err();
/// assert!(format!("{rounded:?}").contains("2 of the 2 samples in `test` also appear in `train`"));
/// ```
pub fn duplicates_across_splits(x: &Tensor, splits: &[(&str, Vec<i64>)], round_decimals: Option<i32>) -> Result<(), Failure> {
    let rows = Rows::new(x, "the samples tensor", round_decimals)?;
    for (name, indices) in splits {
        let outside: Vec<i64> = indices.iter().copied().filter(|&i| i < 0 || i as usize >= rows.n).collect();
        if !outside.is_empty() {
            return Err(Failure::wrong(format!(
                "`{name}` holds {} outside 0..{} (the dataset has {} samples): {}",
                count(outside.len(), "index", "indices"),
                rows.n,
                rows.n,
                examples(&outside)
            )));
        }
    }
    let ids = identities(&[&rows])?.pop().unwrap_or_default();
    // id -> (split, index) of its first appearance in each split so far
    let mut seen: HashMap<usize, Vec<(usize, i64)>> = HashMap::new();
    let mut pairs: Vec<((usize, usize), usize)> = Vec::new();
    let mut example_pairs: Vec<((usize, i64), (usize, i64))> = Vec::new();
    for (s, (_, indices)) in splits.iter().enumerate() {
        for &i in indices {
            let places = seen.entry(ids[i as usize]).or_default();
            for &(t, j) in places.iter().filter(|(t, _)| *t != s) {
                match pairs.iter_mut().find(|(pair, _)| *pair == (t, s)) {
                    Some((_, c)) => *c += 1,
                    None => pairs.push(((t, s), 1)),
                }
                if example_pairs.len() < EXAMPLES {
                    example_pairs.push(((t, j), (s, i)));
                }
            }
            if !places.iter().any(|(t, _)| *t == s) {
                places.push((s, i));
            }
        }
    }
    if pairs.is_empty() {
        return Ok(());
    }
    let how = match round_decimals {
        None => "compared value by value".to_string(),
        Some(d) => format!("compared after rounding every value to {d} decimals"),
    };
    let mut message = format!("Some samples appear in more than one split ({how}):\n\n");
    for ((t, s), c) in &pairs {
        let size = splits[*s].1.len();
        let verb = if *c == 1 { "appears" } else { "appear" };
        let _ = writeln!(message, "- {c} of the {size} samples in `{}` also {verb} in `{}`", splits[*s].0, splits[*t].0);
    }
    let shown: Vec<String> = example_pairs
        .iter()
        .map(|((t, j), (s, i))| format!("`{}` sample {j} = `{}` sample {i}", splits[*t].0, splits[*s].0))
        .collect();
    let _ = write!(message, "\nFor example: {}.\n\n", shown.join("; "));
    message.push_str(
        "A sample in two splits is scored on after the model trained on it, so held-out accuracy \
         overstates how well the model generalises. Check that the splits are disjoint, and remove \
         duplicated samples before splitting. If whole classes collapse onto a few identical samples, \
         the features encode the label itself.",
    );
    Err(Failure::wrong(message))
}

/// `1 sample` / `3 samples`.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `index 3` / `indices 3, 17, …`
fn labelled(indices: &[i64]) -> String {
    let word = if indices.len() == 1 { "index" } else { "indices" };
    format!("{word} {}", examples(indices))
}

/// Up to five indices, with an ellipsis when there are more.
fn examples(indices: &[i64]) -> String {
    let shown: Vec<String> = indices.iter().take(EXAMPLES).map(|i| i.to_string()).collect();
    let more = if indices.len() > EXAMPLES { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}
