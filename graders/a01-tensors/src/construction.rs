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

fn check_repeat_arange(ctx: &mut Ctx, n: i64, times: i64) -> Result<(), Failure> {
    let got = ctx.call_tensor("repeat_arange", vec![n.into(), times.into()])?;
    let want = Tensor::arange(n, (Kind::Int64, ctx.device())).repeat([times]);
    ctx.compare(&format!("`repeat_arange({n}, {times})`"), &want, &got)
}

pub fn repeat_arange(ctx: &mut Ctx) -> Result<(), Failure> {
    check_repeat_arange(ctx, 5, 3)
}

pub fn repeat_arange_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, times) = (ctx.rng().random_range(2..9), ctx.rng().random_range(2..6));
    for (n, times) in [(n, times), (1, times), (n, 1), (times, n)] {
        check_repeat_arange(ctx, n, times)?;
    }
    Ok(())
}

fn check_filled(ctx: &mut Ctx, rows: i64, cols: i64, value: f64) -> Result<(), Failure> {
    let got = ctx.call_tensor("filled", vec![rows.into(), cols.into(), value.into()])?;
    let want = Tensor::full([rows, cols], value, (Kind::Float, ctx.device()));
    ctx.compare(&format!("`filled({rows}, {cols}, {})`", gradwork::compare::num(value)), &want, &got)
}

pub fn filled(ctx: &mut Ctx) -> Result<(), Failure> {
    check_filled(ctx, 5, 3, -2.0)
}

pub fn filled_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let (rows, cols) = (ctx.rng().random_range(2..8), ctx.rng().random_range(2..8));
    // Values with a fraction, so that a value cast to an integer shows.
    let value = (ctx.rng().random_range(-50.0f64..50.0) * 4.0).round() / 4.0 + 0.25;
    for (rows, cols, value) in [(rows, cols, value), (cols + 1, rows, 3.5), (1, 1, -0.75)] {
        check_filled(ctx, rows, cols, value)?;
    }
    Ok(())
}

fn check_rows_of_arange(ctx: &mut Ctx, rows: i64, cols: i64) -> Result<(), Failure> {
    let got = ctx.call_tensor("rows_of_arange", vec![rows.into(), cols.into()])?;
    let want = Tensor::arange(cols, (Kind::Int64, ctx.device())).repeat([rows, 1]);
    ctx.compare(&format!("`rows_of_arange({rows}, {cols})`"), &want, &got)
}

pub fn rows_of_arange(ctx: &mut Ctx) -> Result<(), Failure> {
    check_rows_of_arange(ctx, 3, 5)
}

pub fn rows_of_arange_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    let (rows, cols) = (ctx.rng().random_range(2..9), ctx.rng().random_range(2..9));
    for (rows, cols) in [(rows, cols), (cols + 1, rows), (1, cols), (rows, 1)] {
        check_rows_of_arange(ctx, rows, cols)?;
    }
    Ok(())
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
