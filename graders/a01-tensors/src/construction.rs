//! Exercises 1–7: constructing tensors.

use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

pub fn matrix_3x3(ctx: &mut Ctx) -> Result<(), Failure> {
    let got = ctx.call_tensor("matrix_3x3", vec![])?;
    let want = Tensor::arange(9, (Kind::Int64, ctx.device())).view([3, 3]).transpose(0, 1);
    ctx.compare("`matrix_3x3()`", &want, &got)
}

pub fn shape_of(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut shapes: Vec<Vec<i64>> = vec![vec![], vec![3, 3], vec![0, 4]];
    for dims in 1..=4 {
        shapes.push((0..dims).map(|_| ctx.rng().random_range(1..6)).collect());
    }
    for shape in shapes {
        let t = Tensor::zeros(&shape, (Kind::Float, tch::Device::Cpu));
        let got = ctx.call_one("shape_of", vec![Value::arg(&t)])?;
        let want: Value = shape.clone().into();
        if got != want {
            return Err(Failure::wrong(format!(
                "`shape_of` of a tensor of shape {shape:?} returned {got:?}, expected {want:?}. \
                 A 0-dimensional tensor has the empty shape []."
            )));
        }
    }
    Ok(())
}

pub fn repeat_arange(ctx: &mut Ctx) -> Result<(), Failure> {
    let got = ctx.call_tensor("repeat_arange", vec![5i64.into(), 3i64.into()])?;
    let want = Tensor::arange(5, (Kind::Int64, ctx.device())).repeat([3]);
    ctx.compare("`repeat_arange(5, 3)`", &want, &got)
}

pub fn filled(ctx: &mut Ctx) -> Result<(), Failure> {
    let got = ctx.call_tensor("filled", vec![5i64.into(), 3i64.into(), (-2.0).into()])?;
    let want = Tensor::full([5, 3], -2.0, (Kind::Float, ctx.device()));
    ctx.compare("`filled(5, 3, -2.0)`", &want, &got)
}

pub fn rows_of_arange(ctx: &mut Ctx) -> Result<(), Failure> {
    let got = ctx.call_tensor("rows_of_arange", vec![3i64.into(), 5i64.into()])?;
    let want = Tensor::arange(5, (Kind::Int64, ctx.device())).repeat([3, 1]);
    ctx.compare("`rows_of_arange(3, 5)`", &want, &got)
}

/// libtorch's own tridiagonal matrix: eye + two bands.
fn tridiagonal_oracle(n: i64, device: tch::Device) -> Tensor {
    let band = Tensor::full([(n - 1).max(0)], -2.0, (Kind::Float, device));
    Tensor::eye(n, (Kind::Float, device)) + band.diag_embed(1, 0, 1) + band.diag_embed(-1, 0, 1)
}

fn check_tridiagonal(ctx: &mut Ctx, n: i64) -> Result<(), Failure> {
    let got = ctx.call_tensor("tridiagonal", vec![n.into()])?;
    ctx.compare(&format!("`tridiagonal({n})`"), &tridiagonal_oracle(n, ctx.device()), &got)
}

pub fn tridiagonal(ctx: &mut Ctx) -> Result<(), Failure> {
    check_tridiagonal(ctx, 4)
}

pub fn tridiagonal_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(5..12);
    for n in [1, 2, n] {
        check_tridiagonal(ctx, n)?;
    }
    Ok(())
}

pub fn two_pi(ctx: &mut Ctx) -> Result<(), Failure> {
    let got = ctx.call_tensor("two_pi", vec![])?;
    let want = Tensor::from(2.0 * std::f64::consts::PI).to_device(ctx.device());
    ctx.compare("`two_pi()`", &want, &got)
}
