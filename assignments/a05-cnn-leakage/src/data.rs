//! The dot-vs-ring images (exercise 9) and a reproducible split (exercise 5).
//!
//! Every image is (1, size, size) f32 in [0, 1]: a shape plus a little noise.
//! Label 0 is a dot, label 1 a ring. The random draws use libtorch's generator,
//! so `tch::manual_seed` makes them reproducible.

#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Side of the images in pixels, as in the notebook.
pub const SIZE: i64 = 16;
/// Standard deviation of the Gaussian pixel noise.
pub const NOISE: f64 = 0.05;
/// A ring covers the pixels whose distance from its centre is within this of its radius.
pub const RING_HALF_WIDTH: f64 = 0.6;

/// Distance of every pixel of a `size`×`size` grid from each image's centre:
/// `cx`, `cy` are f32 of shape (n,) (row, column); the result is (n, size, size).
pub fn distance_from(cx: &Tensor, cy: &Tensor, size: i64) -> Tensor {
    let rows = Tensor::arange(size, (Kind::Float, Device::Cpu)).view([1, size, 1]);
    let cols = Tensor::arange(size, (Kind::Float, Device::Cpu)).view([1, 1, size]);
    ((rows - cx.view([-1, 1, 1])).square() + (cols - cy.view([-1, 1, 1])).square()).sqrt()
}

/// Rings of the given radii (f32, (n,)) around the centres: 1 on the ring, 0 elsewhere, (n, size, size).
pub fn rings(distance: &Tensor, radius: &Tensor) -> Tensor {
    (distance - radius.view([-1, 1, 1])).abs().lt(RING_HALF_WIDTH).to_kind(Kind::Float)
}

/// Filled discs of the given radii (f32, (n,)) around the centres: 1 within
/// the radius, 0 elsewhere, (n, size, size).
pub fn discs(distance: &Tensor, radius: &Tensor) -> Tensor {
    distance.le_tensor(&radius.view([-1, 1, 1])).to_kind(Kind::Float)
}

/// Picks, image by image, `ring` where the label is 1 and `dot` where it is 0.
pub fn by_label(labels: &Tensor, dot: &Tensor, ring: &Tensor) -> Tensor {
    ring.where_self(&labels.view([-1, 1, 1]).eq(1), dot)
}

/// Adds N(0, NOISE²) noise to clean images (n, size, size), clips to [0, 1]
/// and adds the channel dimension: (n, 1, size, size).
pub fn add_noise(clean: &Tensor) -> Tensor {
    (clean + NOISE * clean.randn_like()).clamp(0.0, 1.0).unsqueeze(1)
}

/// The notebook's generator, ported line by line, bug included: study it, do
/// not change it. Returns images (n, 1, size, size) f32 and labels (n,) i64.
///
/// Label: a fair coin. Centre: the notebook's `np.random.randint(4, size=4)`.
/// A dot is the one pixel at the centre; a ring has radius 2 or 3.
pub fn make_images_notebook(n: i64, size: i64) -> (Tensor, Tensor) {
    let labels = Tensor::randint(2, [n], (Kind::Int64, Device::Cpu));
    let cx = Tensor::randint(4, [n], (Kind::Float, Device::Cpu));
    let cy = Tensor::randint(4, [n], (Kind::Float, Device::Cpu));
    let radius = Tensor::randint_low(2, 4, [n], (Kind::Float, Device::Cpu));
    let distance = distance_from(&cx, &cy, size);
    let dot = distance.eq(0.0).to_kind(Kind::Float);
    let clean = by_label(&labels, &dot, &rings(&distance, &radius));
    (add_noise(&clean), labels)
}

/// Exercise 9: your honest generator, same output as
/// [`make_images_notebook`]: images (n, 1, size, size) f32 in [0, 1] and
/// labels (n,) i64, 0 = dot and 1 = ring, from a fair coin.
///
/// - Each image gets its own centre, anywhere: each coordinate a real number
///   drawn uniformly from [4, size − 5], not only whole pixels.
/// - Each image gets a size r of 2 or 3 (a fair coin), whatever its shape: a
///   ring of radius r, or a dot — a filled disc ([`discs`]) — that carries as
///   much ink (sum of pixel values) as that ring, so that brightness alone
///   cannot tell the classes apart.
/// - The same noise as the notebook's ([`add_noise`]).
pub fn make_images(n: i64, size: i64) -> (Tensor, Tensor) {
    // TODO: real-valued centres in [4, size − 5], a size of 2 or 3 for both shapes, a disc with its ring's ink
    todo!()
}

/// The indices of a train/validation/test split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training indices.
    pub train: Vec<i64>,
    /// Validation indices.
    pub val: Vec<i64>,
    /// Test indices.
    pub test: Vec<i64>,
}

/// Exercise 5: splits the indices `0..n` into 70 % train, 15 % validation and
/// 15 % test, from a shuffle seeded with `seed` (the same seed gives the same
/// split). Sizes, for every n ≥ 1: `70 * n / 100` for train, `15 * n / 100`
/// for validation (integer division, exactly: no floating point), the rest for
/// test.
pub fn split_indices(n: i64, seed: i64) -> Split {
    // TODO: tch::manual_seed(seed), a random permutation, cut in three
    todo!()
}
