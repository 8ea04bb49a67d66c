//! Exercise 3: the learning set-up. Predicting the next frame from the `w`
//! frames before it is supervised regression: the inputs are windows of past
//! frames, the target is the frame that follows.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// Exercise 3: every window of `w` consecutive frames and the frame after it.
///
/// From frames (T, H, W) and 1 ≤ w < T, returns the inputs (T − w, w, H, W)
/// and the targets (T − w, H, W): window `i` holds frames `i, …, i + w − 1`
/// and its target is frame `i + w`. Same dtype as the frames.
pub fn make_windows(frames: &Tensor, w: i64) -> (Tensor, Tensor) {
    // TODO: unfold the time dimension into windows, then move the window axis behind the count
    todo!()
}
