//! IDX files as bytes: the grader's own writer (for the reader's test files)
//! and parser (for the shipped digits it trains on).

use rand::Rng;
use tch::{Kind, Tensor};

/// Magic number of image files.
pub const IMAGES_MAGIC: u32 = 2051;
/// Magic number of label files.
pub const LABELS_MAGIC: u32 = 2049;

/// An IDX file with `magic`, `dims` and `data`.
pub fn file(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Random pixels (0..=255, with 0 and 255 certainly present) for `n` images of `rows`×`cols`.
pub fn random_pixels(rng: &mut impl Rng, n: usize, rows: usize, cols: usize) -> Vec<u8> {
    let mut data: Vec<u8> = (0..n * rows * cols).map(|_| rng.random()).collect();
    if data.len() >= 2 {
        data[0] = 0;
        data[1] = 255;
    }
    data
}

/// Random labels 0..10.
pub fn random_labels(rng: &mut impl Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..10)).collect()
}

/// What a correct reader returns for image bytes: f32 / 255 in shape (n, rows, cols).
pub fn images_tensor(data: &[u8], n: i64, rows: i64, cols: i64) -> Tensor {
    Tensor::from_slice(data).to_kind(Kind::Float).view([n, rows, cols]) / 255.0
}

/// What a correct reader returns for label bytes: i64 of shape (n,).
pub fn labels_tensor(data: &[u8]) -> Tensor {
    Tensor::from_slice(data).to_kind(Kind::Int64)
}

/// A bytes argument: a 1-d u8 tensor.
pub fn arg(bytes: &[u8]) -> gradwork::value::Value {
    gradwork::value::Value::arg(&Tensor::from_slice(bytes))
}

/// Parses a trusted IDX file of this repository (the shipped digits): the
/// dimensions and the data, or why not.
pub fn parse(bytes: &[u8], magic: u32, rank: usize) -> Result<(Vec<i64>, &[u8]), String> {
    let be = |i: usize| bytes.get(i..i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    if be(0) != Some(magic) {
        return Err(format!("magic is not {magic}"));
    }
    let dims: Vec<i64> = (0..rank).map(|i| be(4 + 4 * i).map(|d| d as i64)).collect::<Option<_>>().ok_or("short header")?;
    let start = 4 * (1 + rank);
    let len = dims.iter().product::<i64>() as usize;
    let data = bytes.get(start..start + len).ok_or("short data")?;
    Ok((dims, data))
}
