//! Exercise 19: checkpoints. The best epoch's weights go to a safetensors
//! file together with the epoch, its validation loss and accuracy, and the
//! seed of the run, stored in the file's `__metadata__` header.
//!
//! tch's own `Tensor::write_safetensors` cannot write metadata, so this module
//! talks to the `safetensors` crate (the one tch itself uses) directly.

#[allow(unused_imports)]
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
#[allow(unused_imports)]
use std::collections::HashMap;
use std::path::Path;
#[allow(unused_imports)]
use tch::{nn, TchError, Tensor};

/// What a checkpoint records besides the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckpointMeta {
    /// The epoch the weights are from (epochs count from 1).
    pub epoch: i64,
    /// The validation loss after that epoch.
    pub val_loss: f64,
    /// The validation accuracy after that epoch.
    pub val_acc: f64,
    /// The seed of the training run.
    pub seed: u64,
}

/// The metadata keys, in the order they are written.
pub const METADATA_KEYS: [&str; 4] = ["epoch", "val_loss", "val_acc", "seed"];

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// the file
        path: String,
        /// the error
        source: std::io::Error,
    },
    /// The file is not valid safetensors, or a tensor could not be encoded.
    #[error("safetensors: {0}")]
    Format(#[from] safetensors::SafeTensorError),
    /// libtorch refused an operation.
    #[error("libtorch: {0}")]
    Torch(#[from] TchError),
    /// A metadata key is missing or its value does not parse.
    #[error("metadata `{key}` is missing or unreadable (found {value:?})")]
    Metadata {
        /// the key
        key: String,
        /// what was there
        value: Option<String>,
    },
    /// The model has a variable the file does not hold.
    #[error("the checkpoint has no tensor `{0}`")]
    MissingTensor(String),
}

/// Given: a tensor's safetensors element type, shape and raw little-endian
/// bytes (row-major), ready for [`TensorView::new`].
pub fn tensor_bytes(tensor: &Tensor) -> Result<(Dtype, Vec<usize>, Vec<u8>), CheckpointError> {
    let tensor = tensor.f_detach()?.f_contiguous()?;
    let dtype = Dtype::try_from(tensor.f_kind()?)?;
    let shape = tensor.size().iter().map(|&d| d as usize).collect();
    let numel = tensor.numel();
    let mut bytes = vec![0u8; numel * tensor.kind().elt_size_in_bytes()];
    tensor.f_copy_data_u8(&mut bytes, numel)?;
    Ok((dtype, shape, bytes))
}

/// Writes every variable of `vs` under its name (`fc1.weight`, ...) to the
/// safetensors file `path`, with `meta` as string metadata under the keys
/// [`METADATA_KEYS`]. Numbers are written with `to_string()`, which gives the
/// shortest text that reads back as exactly the same number.
pub fn save_checkpoint(vs: &nn::VarStore, path: &Path, meta: &CheckpointMeta) -> Result<(), CheckpointError> {
    // TODO: the bytes of every variable, a TensorView over each, the metadata map, `serialize_to_file`
    todo!()
}

/// Reads a checkpoint written by [`save_checkpoint`]: copies each tensor into
/// the variable of `vs` with the same name (bit for bit) and returns the
/// metadata. Fails when a variable of `vs` is missing from the file or a
/// metadata key is missing or unreadable.
pub fn load_checkpoint(vs: &mut nn::VarStore, path: &Path) -> Result<CheckpointMeta, CheckpointError> {
    // TODO: read the file, parse it, copy each tensor into its variable without gradients, parse the metadata
    todo!()
}
