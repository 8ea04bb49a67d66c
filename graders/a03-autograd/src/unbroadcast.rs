//! Task 3: `unbroadcast(grad, shape)` on its own, against libtorch's
//! `sum_to_size`: dimensions of size 1, leading dimensions that the shape
//! lacks, and shapes that already match.

// Only a hidden check uses this module: `gradwork release` leaves it out.
// BEGIN HIDDEN
use crate::inputs::{normal_tensor, tensor};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
// END HIDDEN

pub fn unbroadcast_alone(ctx: &mut Ctx) -> Result<(), Failure> {
    let cases: [(&[i64], &[i64]); 9] = [
        (&[4, 3], &[4, 3]),
        (&[4, 3], &[1, 3]),
        (&[4, 3], &[4, 1]),
        (&[4, 3], &[1, 1]),
        (&[4, 3], &[3]),
        (&[4, 3], &[]),
        (&[2, 3, 4], &[3, 1]),
        (&[2, 3, 4], &[4]),
        (&[2, 3, 4], &[2, 1, 4]),
    ];
    for (from, to) in cases {
        let grad = normal_tensor(ctx.rng(), from, 1.0);
        let out = ctx.call("unbroadcast", vec![Value::arg(&grad), to.to_vec().into()])?;
        let got = tensor(&out[0], "the result of `unbroadcast`")?;
        let want = grad.sum_to_size(to);
        ctx.compare(&format!("`unbroadcast(grad, &{to:?})` for a grad of shape {from:?}"), &want, &got)?;
    }
    Ok(())
}
