//! Exercise 2: the frame statistics, against libtorch on the same frames.

use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// The oracle: mass (T,), centre (T, 2) as (row, column), spread (T,), in f64.
pub fn frame_stats(frames: &Tensor) -> (Tensor, Tensor, Tensor) {
    let x = frames.to_kind(Kind::Double);
    let (h, w) = (x.size()[1], x.size()[2]);
    let mass = x.sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Double);
    let rows = Tensor::arange(h, (Kind::Double, Device::Cpu));
    let cols = Tensor::arange(w, (Kind::Double, Device::Cpu));
    // Marginals over columns and over rows, then first and second moments.
    let by_row = x.sum_dim_intlist([2i64].as_slice(), false, Kind::Double);
    let by_col = x.sum_dim_intlist([1i64].as_slice(), false, Kind::Double);
    let row = by_row.matmul(&rows) / &mass;
    let col = by_col.matmul(&cols) / &mass;
    let var_row = by_row.matmul(&rows.square()) / &mass - row.square();
    let var_col = by_col.matmul(&cols.square()) / &mass - col.square();
    let spread = (var_row + var_col).sqrt();
    (mass, Tensor::stack(&[row, col], 1), spread)
}

fn check_on(ctx: &mut Ctx, frames: &Tensor, what: &str) -> Result<(), Failure> {
    let out = ctx.call("frame_stats", vec![Value::arg(frames)])?;
    let [mass, centre, spread] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed FrameStats".into()));
    };
    let (want_mass, want_centre, want_spread) = frame_stats(frames);
    ctx.compare(&format!("`mass` of {what}"), &want_mass, &outputs::tensor(mass, "mass")?)?;
    ctx.compare(&format!("`centre` (row, column per frame) of {what}"), &want_centre, &outputs::tensor(centre, "centre")?)?;
    ctx.compare(&format!("`spread` of {what}"), &want_spread, &outputs::tensor(spread, "spread")?)
}

pub fn check(ctx: &mut Ctx) -> Result<(), Failure> {
    let t = ctx.rng().random_range(2..6i64);
    let h = ctx.rng().random_range(3..9i64);
    let w = h + ctx.rng().random_range(2..6i64);
    let values: Vec<f32> = (0..t * h * w).map(|_| ctx.rng().random_range(0.0..1.0f32).powi(4)).collect();
    let frames = Tensor::from_slice(&values).view([t, h, w]);
    check_on(ctx, &frames, &format!("{t} random frames of {h} rows × {w} columns"))?;
    // One pixel lit: the centre is that pixel, the spread 0; the same in each frame but moving.
    let mut single = vec![0f32; (t * h * w) as usize];
    for f in 0..t {
        let (r, c) = (f % h, (2 * f + 1) % w);
        single[((f * h + r) * w + c) as usize] = 1.0 + f as f32;
    }
    check_on(ctx, &Tensor::from_slice(&single).view([t, h, w]), &format!("{t} frames of {h} × {w} with one lit pixel each"))?;
    let shipped = crate::store::shipped_frames();
    check_on(ctx, &shipped, "the shipped frames (100 × 64 × 64)")
}
