//! Exercise 2: what the frames show, in numbers: how much trail there is,
//! where it is, and how spread out it is, frame by frame.

#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Statistics of every frame of a (time, height, width) tensor, all f64.
#[derive(Debug)]
pub struct FrameStats {
    /// Total mass of each frame: the sum of its pixels, shape (time,).
    pub mass: Tensor,
    /// Centre of mass of each frame as (row, column), in pixels from the
    /// top-left pixel's centre, shape (time, 2).
    pub centre: Tensor,
    /// Spread of each frame: the root-mean-square distance of the mass from
    /// its centre, in pixels, shape (time,).
    pub spread: Tensor,
}

/// Exercise 2a: the statistics of every frame. Pixel (i, j) sits at row i,
/// column j; with m = Σ x_ij the frame's mass, the centre is
/// (Σ x_ij·i / m, Σ x_ij·j / m) and the spread is
/// sqrt(Σ x_ij·((i − row)² + (j − column)²) / m). Frames hold non-negative
/// values and each has a positive mass. Compute in f64.
pub fn frame_stats(frames: &Tensor) -> FrameStats {
    // TODO: weights over the pixel grid; sums over the last two dimensions
    todo!()
}

/// Exercise 2b: in a few sentences of your own, what the statistics of the
/// shipped frames show over time (what happens to the mass, where the centre
/// goes, what the spread does), and what kind of motion or aggregation that
/// is. Your instructor reads it; the grader checks that you speak of the
/// mass and of the spread.
pub fn describe_dynamics() -> &'static str {
    // TODO: plot the three statistics of the shipped frames, then describe them
    todo!()
}
