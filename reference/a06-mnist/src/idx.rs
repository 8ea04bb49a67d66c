//! Exercise 1: reading IDX files, the format MNIST ships in.
//!
//! An IDX file starts with a header of big-endian u32 numbers: a magic number
//! saying what follows, then one number per dimension. The data follows as
//! unsigned bytes, row-major.
//!
//! | file   | magic | dimensions                 | data                        |
//! |--------|-------|----------------------------|-----------------------------|
//! | images | 2051  | count, rows, columns       | count·rows·columns pixels   |
//! | labels | 2049  | count                      | count labels                |

use std::fmt;
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Magic number of an IDX file of images (unsigned bytes, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// Magic number of an IDX file of labels (unsigned bytes, 1 dimension).
pub const LABELS_MAGIC: u32 = 2049;

/// Why an IDX file could not be read.
#[derive(Debug)]
pub enum IdxError {
    /// The file could not be opened or read.
    Io {
        /// the file
        path: PathBuf,
        /// what the operating system said
        source: std::io::Error,
    },
    /// The file does not start with the expected magic number: it is another
    /// kind of IDX file (labels given as images, say), compressed, or not IDX.
    BadMagic {
        /// the file
        path: PathBuf,
        /// the magic number this reader expects
        expected: u32,
        /// the first four bytes of the file, read as a big-endian u32
        found: u32,
    },
    /// The file ends too early: before the end of its header, or before the
    /// end of the data its header announces.
    Truncated {
        /// the file
        path: PathBuf,
        /// the size the file should have: the header's size when the header
        /// itself is cut short, else header plus announced data, or
        /// `u64::MAX` when that total does not fit in a u64
        expected_bytes: u64,
        /// the file's actual size
        found_bytes: u64,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            IdxError::BadMagic { path, expected, found } => {
                write!(f, "{} has magic number {found}, expected {expected}", path.display())?;
                match *found {
                    IMAGES_MAGIC => write!(f, " (it is a file of images)"),
                    LABELS_MAGIC => write!(f, " (it is a file of labels)"),
                    m if m >> 16 == 0x1f8b => write!(f, " (it looks gzip-compressed: run gunzip on it first)"),
                    _ => write!(f, " (is it an IDX file?)"),
                }
            }
            IdxError::Truncated { path, expected_bytes: u64::MAX, found_bytes } => write!(
                f,
                "{} is truncated: it has {found_bytes} bytes, and its header announces more data than a u64 can count",
                path.display()
            ),
            IdxError::Truncated { path, expected_bytes, found_bytes } => write!(
                f,
                "{} is truncated: it has {found_bytes} bytes, expected {expected_bytes} (its header and the data it announces)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for IdxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdxError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The dimensions and raw bytes of an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The dimensions from the header (count first).
    pub dims: Vec<i64>,
    /// The data: exactly the product of `dims` bytes, row-major.
    pub data: Vec<u8>,
}

/// Exercise 1a: reads the IDX file at `path`, which must start with
/// `expected_magic` and have `rank` dimensions. The header is `4·(1 + rank)`
/// bytes of big-endian u32: the magic, then the dimensions. Returns the
/// dimensions and exactly the announced data (bytes beyond it are ignored).
///
/// Errors, in this order: [`IdxError::Io`] if the file cannot be read;
/// [`IdxError::BadMagic`] if it has at least four bytes and they are not
/// `expected_magic` (even if the file is also too short);
/// [`IdxError::Truncated`] if it is shorter than its header (then
/// `expected_bytes` is the header's size), or than header plus the data the
/// dimensions announce (then it is that total, or `u64::MAX` if the total
/// does not fit in a u64). Never panic on a bad file.
pub fn read_idx(path: &Path, expected_magic: u32, rank: usize) -> Result<Idx, IdxError> {
    // BEGIN SOLUTION: read the bytes; check magic, header length and data length; the numbers are big-endian
    let bytes = std::fs::read(path).map_err(|source| IdxError::Io { path: path.into(), source })?;
    let be_u32 = |offset: usize| u32::from_be_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]]);
    let found_bytes = bytes.len() as u64;
    if bytes.len() >= 4 && be_u32(0) != expected_magic {
        return Err(IdxError::BadMagic { path: path.into(), expected: expected_magic, found: be_u32(0) });
    }
    let header_len = 4 * (1 + rank);
    if bytes.len() < header_len {
        return Err(IdxError::Truncated { path: path.into(), expected_bytes: header_len as u64, found_bytes });
    }
    let dims: Vec<i64> = (0..rank).map(|i| be_u32(4 * (1 + i)) as i64).collect();
    let data_len = dims.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64));
    let expected_bytes = (header_len as u64).saturating_add(data_len);
    if found_bytes < expected_bytes {
        return Err(IdxError::Truncated { path: path.into(), expected_bytes, found_bytes });
    }
    Ok(Idx { dims, data: bytes[header_len..expected_bytes as usize].to_vec() })
    // END SOLUTION
}

/// Exercise 1b: reads an IDX file of images (magic 2051, 3 dimensions): a f32
/// tensor of shape (count, rows, columns) with every pixel divided by 255, so
/// in [0, 1].
pub fn read_idx_images(path: &Path) -> Result<Tensor, IdxError> {
    // BEGIN SOLUTION: read_idx with the images' magic, then bytes → f32 / 255 in the header's shape
    let idx = read_idx(path, IMAGES_MAGIC, 3)?;
    Ok(Tensor::from_slice(&idx.data).to_kind(Kind::Float).view(idx.dims.as_slice()) / 255.0)
    // END SOLUTION
}

/// Exercise 1c: reads an IDX file of labels (magic 2049, 1 dimension): an
/// i64 tensor of shape (count,).
pub fn read_idx_labels(path: &Path) -> Result<Tensor, IdxError> {
    // BEGIN SOLUTION: read_idx with the labels' magic, then bytes → i64
    let idx = read_idx(path, LABELS_MAGIC, 1)?;
    Ok(Tensor::from_slice(&idx.data).to_kind(Kind::Int64))
    // END SOLUTION
}
