//! Exercise 1: loading the frames from a Zarr store.
//!
//! A Zarr v3 array is a directory: `zarr.json` holds the metadata (shape,
//! data type, chunk shape, codecs, dimension names, attributes) and each
//! chunk is a file under `c/`, here gzip-compressed. The `zarrs` crate reads
//! both; your job is to turn what it reads into a tensor, and to turn what
//! can go wrong into a [`LoadError`] that says what and where.

use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::sync::Arc;
#[allow(unused_imports)]
use tch::{Kind, Tensor};
#[allow(unused_imports)]
use zarrs::array::{data_type, Array};
#[allow(unused_imports)]
use zarrs::filesystem::FilesystemStore;

/// The slime-mould store shipped with the assignment (`data/slime.zarr`).
pub fn shipped_store() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("slime.zarr")
}

/// Frames read from a store, with what the metadata says about them.
#[derive(Debug)]
pub struct Frames {
    /// The frames, f32, of shape (time, height, width).
    pub data: Tensor,
    /// The dimension names from the metadata, in order (e.g. `["time", "y", "x"]`).
    pub dims: Vec<String>,
    /// The `time_step` attribute: time between two frames.
    pub time_step: f64,
}

/// Why a store could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// There is no Zarr array at the path: the directory, or its
    /// `zarr.json`, does not exist.
    #[error("no Zarr array at {}: the directory or its zarr.json is missing", path.display())]
    NotFound {
        /// the path given
        path: PathBuf,
    },
    /// `zarr.json` exists but cannot be read as array metadata.
    #[error("the metadata of {} cannot be read: {message}", path.display())]
    Metadata {
        /// the path given
        path: PathBuf,
        /// what zarrs said
        message: String,
    },
    /// The array is not 3-D (time, height, width).
    #[error("the array has {found} dimensions; frames need 3 (time, height, width)")]
    WrongRank {
        /// its number of dimensions
        found: usize,
    },
    /// The elements are not `float32`.
    #[error("the array holds {found}, not float32")]
    WrongDtype {
        /// the data type the metadata names
        found: String,
    },
    /// A dimension name or the `time_step` attribute is missing.
    #[error("the metadata has no {name}")]
    MissingAttribute {
        /// `dimension_names` or `time_step`
        name: String,
    },
    /// A chunk exists but cannot be read or decoded (truncated, corrupted).
    #[error("chunk {chunk:?} cannot be decoded: {message}")]
    CorruptChunk {
        /// the chunk's grid indices, e.g. `[0, 1, 1]`
        chunk: Vec<u64>,
        /// what zarrs said
        message: String,
    },
}

/// Exercise 1: opens the Zarr array at `path` and returns its frames as an
/// f32 tensor of the array's shape, with the dimension names and the
/// `time_step` attribute from the metadata.
///
/// Read the array chunk by chunk (`chunk_grid_shape`, `chunk_subset_bounded`,
/// `retrieve_chunk_subset`): chunks at the far edges may be cut by the array's
/// end, and a chunk that fails to decode must be named in
/// [`LoadError::CorruptChunk`]. A chunk file that does not exist is not an
/// error: Zarr reads it as the fill value.
///
/// Errors, checked in this order: [`LoadError::NotFound`],
/// [`LoadError::Metadata`], [`LoadError::WrongRank`],
/// [`LoadError::WrongDtype`], [`LoadError::MissingAttribute`] (dimension
/// names first, then `time_step`), [`LoadError::CorruptChunk`]. Never panic
/// on a bad store.
pub fn load_frames(path: &Path) -> Result<Frames, LoadError> {
    // BEGIN SOLUTION: open with FilesystemStore and Array::open; check rank, dtype and metadata; copy chunk by chunk into a buffer
    let not_found = || LoadError::NotFound { path: path.to_path_buf() };
    if !path.join("zarr.json").is_file() {
        return Err(not_found());
    }
    let metadata = |message: String| LoadError::Metadata { path: path.to_path_buf(), message };
    let store = Arc::new(FilesystemStore::new(path).map_err(|e| metadata(e.to_string()))?);
    let array = Array::open(store, "/").map_err(|e| match e {
        zarrs::array::ArrayCreateError::MissingMetadata => not_found(),
        other => metadata(other.to_string()),
    })?;
    let shape = array.shape().to_vec();
    if shape.len() != 3 {
        return Err(LoadError::WrongRank { found: shape.len() });
    }
    if *array.data_type() != data_type::float32() {
        return Err(LoadError::WrongDtype { found: array.data_type().to_string() });
    }
    let dims: Option<Vec<String>> = array.dimension_names().as_ref().and_then(|names| names.iter().cloned().collect());
    let dims = dims.ok_or(LoadError::MissingAttribute { name: "dimension_names".into() })?;
    let time_step = array.attributes().get("time_step").and_then(|v| v.as_f64());
    let time_step = time_step.ok_or(LoadError::MissingAttribute { name: "time_step".into() })?;
    let (h, w) = (shape[1] as usize, shape[2] as usize);
    let mut values = vec![0f32; shape.iter().product::<u64>() as usize];
    let grid = array.chunk_grid_shape().to_vec();
    for t in 0..grid[0] {
        for r in 0..grid[1] {
            for c in 0..grid[2] {
                let chunk = [t, r, c];
                let corrupt = |message: String| LoadError::CorruptChunk { chunk: chunk.to_vec(), message };
                let subset = array.chunk_subset_bounded(&chunk).map_err(|e| corrupt(e.to_string()))?;
                let part: Vec<f32> = array.retrieve_array_subset(&subset).map_err(|e| corrupt(e.to_string()))?;
                let (start, size) = (subset.start(), subset.shape());
                let mut k = 0;
                for i in 0..size[0] as usize {
                    for j in 0..size[1] as usize {
                        let row = ((start[0] as usize + i) * h + start[1] as usize + j) * w + start[2] as usize;
                        values[row..row + size[2] as usize].copy_from_slice(&part[k..k + size[2] as usize]);
                        k += size[2] as usize;
                    }
                }
            }
        }
    }
    let data = Tensor::from_slice(&values).view([shape[0] as i64, h as i64, w as i64]);
    Ok(Frames { data, dims, time_step })
    // END SOLUTION
}
