//! Samples as canonical bytes: the rows of a tensor (its first dimension),
//! hashed and compared exactly, optionally after rounding, so that two
//! samples are "the same" when every value is, whatever their dtype or
//! layout. `-0.0` equals `0.0`, and every NaN equals every other NaN.

use crate::suite::Failure;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use tch::{Kind, Tensor};

/// How many values to read from libtorch at a time (8 MiB of f64).
const BLOCK_VALUES: usize = 1 << 20;

/// The rows of one tensor, read as canonical values.
pub(crate) struct Rows<'a> {
    x: &'a Tensor,
    /// Number of rows (samples).
    pub n: usize,
    /// Values per row.
    pub row_len: usize,
    round_decimals: Option<i32>,
}

impl<'a> Rows<'a> {
    /// The rows of `x` (shape (n, ...)); `what` names it in errors.
    pub fn new(x: &'a Tensor, what: &str, round_decimals: Option<i32>) -> Result<Rows<'a>, Failure> {
        let shape = x.size();
        let Some(&n) = shape.first() else {
            return Err(Failure::Grader(format!("{what} is 0-dimensional; samples are the rows of a tensor of shape (n, ...)")));
        };
        let row_len = shape[1..].iter().product::<i64>().max(0) as usize;
        Ok(Rows { x, n: n.max(0) as usize, row_len, round_decimals })
    }

    /// Canonical values of rows `start..start + len`, row-major.
    fn block(&self, start: usize, len: usize) -> Result<Vec<u64>, Failure> {
        let read = |e: tch::TchError| Failure::Grader(format!("could not read the samples: {e}"));
        let numel = len * self.row_len;
        let mut values = vec![0f64; numel];
        if numel > 0 {
            let block = self.x.f_narrow(0, start as i64, len as i64).map_err(read)?.f_to_kind(Kind::Double).map_err(read)?;
            block.f_copy_data(&mut values, numel).map_err(read)?;
        }
        let scale = self.round_decimals.map(|d| 10f64.powi(d));
        Ok(values.into_iter().map(|v| canonical(v, scale)).collect())
    }

    /// One row's canonical values.
    pub fn row(&self, i: usize) -> Result<Vec<u64>, Failure> {
        self.block(i, 1)
    }

    /// A hash of every row's canonical values.
    pub fn hashes(&self) -> Result<Vec<u64>, Failure> {
        let per_block = (BLOCK_VALUES / self.row_len.max(1)).max(1);
        let mut hashes = Vec::with_capacity(self.n);
        let mut start = 0;
        while start < self.n {
            let len = per_block.min(self.n - start);
            let values = self.block(start, len)?;
            if self.row_len == 0 {
                hashes.extend(std::iter::repeat_n(hash_row(&[]), len));
            } else {
                hashes.extend(values.chunks(self.row_len).map(hash_row));
            }
            start += len;
        }
        Ok(hashes)
    }
}

/// The bits of a value as compared: rounded if asked, one zero, one NaN.
fn canonical(v: f64, scale: Option<f64>) -> u64 {
    let v = match scale {
        Some(s) => (v * s).round(),
        None => v,
    };
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

fn hash_row(values: &[u64]) -> u64 {
    let mut h = DefaultHasher::new();
    values.hash(&mut h);
    h.finish()
}

/// Sample identities across several tensors with rows of the same length:
/// `ids[t][i]` is the same number exactly when row `i` of tensor `t` equals
/// (canonically) the row with that id anywhere. Ids count up from 0 in order
/// of first appearance.
pub(crate) fn identities(tensors: &[&Rows<'_>]) -> Result<Vec<Vec<usize>>, Failure> {
    let mut by_hash: HashMap<u64, Vec<(usize, usize, usize)>> = HashMap::new(); // hash -> (tensor, row, id)
    let mut next = 0;
    let mut ids = Vec::with_capacity(tensors.len());
    for (t, rows) in tensors.iter().enumerate() {
        let hashes = rows.hashes()?;
        let mut these = Vec::with_capacity(rows.n);
        for (i, h) in hashes.into_iter().enumerate() {
            let candidates = by_hash.entry(h).or_default();
            let mut found = None;
            if !candidates.is_empty() {
                let mine = rows.row(i)?;
                for &(ct, ci, id) in candidates.iter() {
                    if tensors[ct].row(ci)? == mine {
                        found = Some(id);
                        break;
                    }
                }
            }
            let id = match found {
                Some(id) => id,
                None => {
                    candidates.push((t, i, next));
                    next += 1;
                    next - 1
                }
            };
            these.push(id);
        }
        ids.push(these);
    }
    Ok(ids)
}
