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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_digits_are_1500_and_297_images_of_8x8_with_labels_0_to_9() {
        let d = load().expect("the shipped digits parse");
        assert_eq!(d.train_images.size(), [1500, 8, 8]);
        assert_eq!(d.test_images.size(), [297, 8, 8]);
        assert_eq!(d.train_labels.size(), [1500]);
        assert_eq!(d.test_labels.size(), [297]);
        for images in [&d.train_images, &d.test_images] {
            assert!(images.min().double_value(&[]) >= 0.0 && images.max().double_value(&[]) == 1.0);
        }
        for labels in [&d.train_labels, &d.test_labels] {
            assert_eq!(labels.min().int64_value(&[]), 0);
            assert_eq!(labels.max().int64_value(&[]), 9);
        }
    }
}
