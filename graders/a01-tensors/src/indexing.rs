//! Exercises 8–13: broadcasting, indexing and masks.

use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

pub fn index_grid(ctx: &mut Ctx) -> Result<(), Failure> {
    for (rows, cols) in [(3i64, 4i64), (5, 2)] {
        let got = ctx.call_tensor("index_grid", vec![rows.into(), cols.into()])?;
        let i = Tensor::arange(rows, (Kind::Int64, ctx.device())).view([-1, 1]);
        let j = Tensor::arange(cols, (Kind::Int64, ctx.device())).view([1, -1]);
        ctx.compare(&format!("`index_grid({rows}, {cols})`"), &(i * 2 + j), &got)?;
    }
    Ok(())
}

fn check_distances(ctx: &mut Ctx, x: &Tensor) -> Result<(), Failure> {
    let got = ctx.call_tensor("pairwise_distances", vec![Value::arg(x)])?;
    let on_device = x.to_device(ctx.device());
    let want = Tensor::cdist(&on_device, &on_device, 2.0, 2i64); // mode 2: exact, never the matmul shortcut
    let (n, d) = (x.size()[0], x.size()[1]);
    ctx.compare(&format!("`pairwise_distances(x)` for x of shape [{n}, {d}]"), &want, &got)
}

pub fn pairwise_distances(ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Tensor::arange(12, (Kind::Double, Device::Cpu)).view([6, 2]);
    check_distances(ctx, &x)
}

pub fn pairwise_distances_random(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(3..9);
    let d = ctx.rng().random_range(1..5);
    let values: Vec<f64> = (0..n * d).map(|_| ctx.rng().random_range(-5.0..5.0)).collect();
    let x = Tensor::from_slice(&values).view([n, d]);
    check_distances(ctx, &x)
}

fn arange_6x6() -> Tensor {
    Tensor::arange(36, (Kind::Int64, Device::Cpu)).view([6, 6])
}

pub fn submatrix(ctx: &mut Ctx) -> Result<(), Failure> {
    let a = arange_6x6();
    let (rows, cols) = (vec![1i64, 4], vec![0i64, 2, 3]);
    let got = ctx.call_tensor("submatrix", vec![Value::arg(&a), rows.clone().into(), cols.clone().into()])?;
    let a = a.to_device(ctx.device());
    let want = a
        .index_select(0, &Tensor::from_slice(&rows).to_device(ctx.device()))
        .index_select(1, &Tensor::from_slice(&cols).to_device(ctx.device()));
    ctx.compare("`submatrix(A, [1, 4], [0, 2, 3])`", &want, &got)
}

fn mask_oracle(a: &Tensor) -> Tensor {
    a.remainder(5).eq(0).logical_or(&a.remainder(7).eq(0))
}

pub fn divisible_mask(ctx: &mut Ctx) -> Result<(), Failure> {
    let a = arange_6x6();
    let got = ctx.call_tensor("divisible_mask", vec![Value::arg(&a)])?;
    ctx.compare("`divisible_mask(A)` for A = arange(36) as 6×6", &mask_oracle(&a.to_device(ctx.device())), &got)
}

pub fn count_true(ctx: &mut Ctx) -> Result<(), Failure> {
    let notebook = mask_oracle(&arange_6x6());
    let n = ctx.rng().random_range(5..40);
    let random: Vec<bool> = (0..n).map(|_| ctx.rng().random_bool(0.3)).collect();
    let random = Tensor::from_slice(&random);
    for (what, mask) in [("the mask of arange(36)", notebook), ("a random mask", random)] {
        let got = ctx.call_i64("count_true", vec![Value::arg(&mask)])?;
        let want = mask.sum(Kind::Int64).int64_value(&[]);
        if got != want {
            return Err(Failure::wrong(format!("`count_true` of {what} returned {got}, expected {want}.")));
        }
    }
    Ok(())
}

pub fn add_ten_in_place(ctx: &mut Ctx) -> Result<(), Failure> {
    let a = arange_6x6();
    let mask = mask_oracle(&a);
    let out = ctx.call("add_ten_where", vec![Value::arg(&a), Value::arg(&mask)])?;
    let [Value::Tensor(caller), Value::Tensor(variable)] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for add_ten_where".into()));
    };
    let want = a.to_device(ctx.device()) + mask.to_device(ctx.device()).to_kind(Kind::Int64) * 10;
    let read = |t: &gradwork::value::TensorData| t.to_tensor().map_err(|e| Failure::wrong(format!("unreadable tensor: {e}")));
    ctx.compare("After `add_ten_where(&mut a, &mask)`, the tensor `a`", &want, &read(variable)?)?;
    ctx.compare("The tensor `a` as the caller's other handles see it", &want, &read(caller)?).map_err(|_| {
        Failure::wrong(
            "`a` holds the right values, but only because it was replaced by a new tensor: other handles to \
             the same storage still see the old values, so the update was not in place. Modify `a` itself, \
             with an in-place operation such as `masked_fill_` or `masked_scatter_` (their names end in `_`).",
        )
    })
}
