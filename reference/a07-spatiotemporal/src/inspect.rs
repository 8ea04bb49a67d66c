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
    // BEGIN SOLUTION: weights over the pixel grid; sums over the last two dimensions
    let x = frames.to_kind(Kind::Double);
    let (h, w) = (x.size()[1], x.size()[2]);
    let rows = Tensor::arange(h, (Kind::Double, Device::Cpu)).view([1, h, 1]);
    let cols = Tensor::arange(w, (Kind::Double, Device::Cpu)).view([1, 1, w]);
    let sum = |t: &Tensor| t.sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Double);
    let mass = sum(&x);
    let row = sum(&(&x * &rows)) / &mass;
    let col = sum(&(&x * &cols)) / &mass;
    let d2 = (&rows - row.view([-1, 1, 1])).square() + (&cols - col.view([-1, 1, 1])).square();
    let spread = (sum(&(&x * d2)) / &mass).sqrt();
    FrameStats { centre: Tensor::stack(&[row, col], 1), mass, spread }
    // END SOLUTION
}

/// Exercise 2b: in a few sentences of your own, what the statistics of the
/// shipped frames show over time (what happens to the mass, where the centre
/// goes, what the spread does), and what kind of motion or aggregation that
/// is. Your instructor reads it; the grader checks that you speak of the
/// mass and of the spread.
pub fn describe_dynamics() -> &'static str {
    // BEGIN SOLUTION: plot the three statistics of the shipped frames, then describe them
    "The total mass rises fast over the first frames and then levels off: the agents deposit trail at a constant \
     rate while a fixed share of it decays, so it settles where deposit and decay balance. The centre of mass drifts \
     from the middle of the grid towards one spot, and the spread shrinks: the agents, scattered at first, follow \
     each other's trails and aggregate around a food source, leaving a network of trails that contracts into a \
     cluster."
    // END SOLUTION
}
