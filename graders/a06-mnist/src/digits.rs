//! The shipped 8×8 digits (assignments/a06-mnist/data/digits), compiled into
//! the grader so that training checks need no files at run time.

use crate::idx_bytes::{parse, IMAGES_MAGIC, LABELS_MAGIC};
use tch::{Kind, Tensor};

/// The four files in the order of `FILES`: train images, train labels, test images, test labels.
pub const FILES: [(&str, &[u8]); 4] = [
    ("train-images-idx3-ubyte", include_bytes!("../../../assignments/a06-mnist/data/digits/train-images-idx3-ubyte")),
    ("train-labels-idx1-ubyte", include_bytes!("../../../assignments/a06-mnist/data/digits/train-labels-idx1-ubyte")),
    ("t10k-images-idx3-ubyte", include_bytes!("../../../assignments/a06-mnist/data/digits/t10k-images-idx3-ubyte")),
    ("t10k-labels-idx1-ubyte", include_bytes!("../../../assignments/a06-mnist/data/digits/t10k-labels-idx1-ubyte")),
];

/// The digits as tensors: images (n, 8, 8) f32 in [0, 1] and labels (n,) i64.
#[derive(Debug)]
pub struct Digits {
    /// Training images.
    pub train_images: Tensor,
    /// Training labels.
    pub train_labels: Tensor,
    /// Test images.
    pub test_images: Tensor,
    /// Test labels.
    pub test_labels: Tensor,
}

fn images(bytes: &[u8]) -> Result<Tensor, String> {
    let (dims, data) = parse(bytes, IMAGES_MAGIC, 3)?;
    Ok(Tensor::from_slice(data).to_kind(Kind::Float).view(dims.as_slice()) / 255.0)
}

fn labels(bytes: &[u8]) -> Result<Tensor, String> {
    let (_, data) = parse(bytes, LABELS_MAGIC, 1)?;
    Ok(Tensor::from_slice(data).to_kind(Kind::Int64))
}

/// Loads the shipped digits (a grader error if the compiled-in files are broken).
pub fn load() -> Result<Digits, String> {
    Ok(Digits {
        train_images: images(FILES[0].1)?,
        train_labels: labels(FILES[1].1)?,
        test_images: images(FILES[2].1)?,
        test_labels: labels(FILES[3].1)?,
    })
}
