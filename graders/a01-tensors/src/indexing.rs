//! Exercises 8–13: broadcasting, indexing and masks.

use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

pub fn index_grid(ctx: &mut Ctx) -> Result<(), Failure> {
    let (rows, cols) = (ctx.rng().random_range(1..8), ctx.rng().random_range(1..8));
    for (rows, cols) in [(3i64, 4i64), (5, 2), (rows, cols), (1, 1)] {
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
    // A random cloud, then the smallest sizes: one point, two points in one dimension.
    for (n, d) in [(n, d), (n + 2, 5 - d), (1, d), (2, 1)] {
        let values: Vec<f64> = (0..n * d).map(|_| ctx.rng().random_range(-5.0..5.0)).collect();
        let x = Tensor::from_slice(&values).view([n, d]);
        check_distances(ctx, &x)?;
    }
    Ok(())
}

fn arange_6x6() -> Tensor {
    Tensor::arange(36, (Kind::Int64, Device::Cpu)).view([6, 6])
}

fn check_submatrix(ctx: &mut Ctx, a: &Tensor, rows: &[i64], cols: &[i64], what: &str) -> Result<(), Failure> {
    let got = ctx.call_tensor("submatrix", vec![Value::arg(a), rows.to_vec().into(), cols.to_vec().into()])?;
    let a = a.to_device(ctx.device());
    let want = a
        .index_select(0, &Tensor::from_slice(rows).to_device(ctx.device()))
        .index_select(1, &Tensor::from_slice(cols).to_device(ctx.device()));
    ctx.compare(&format!("`submatrix(A, {rows:?}, {cols:?})` for {what}"), &want, &got)
}

pub fn submatrix(ctx: &mut Ctx) -> Result<(), Failure> {
    check_submatrix(ctx, &arange_6x6(), &[1, 4], &[0, 2, 3], "A = arange(36) as 6×6")
}

// BEGIN HIDDEN
/// `len` indices below `size`, in random order, repeats allowed.
fn random_indices(ctx: &mut Ctx, size: i64, len: usize) -> Vec<i64> {
    (0..len).map(|_| ctx.rng().random_range(0..size)).collect()
}
// END HIDDEN

pub fn submatrix_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let (r, c) = (ctx.rng().random_range(3..9), ctx.rng().random_range(3..9));
    let a = gradwork::inputs::uniform_tensor(ctx.rng(), &[r, c], -10.0, 10.0).to_kind(Kind::Float);
    let what = format!("a random f32 A of shape [{r}, {c}]");
    let (len_r, len_c) = (ctx.rng().random_range(1..6), ctx.rng().random_range(1..6));
    let (rows, cols) = (random_indices(ctx, r, len_r), random_indices(ctx, c, len_c));
    check_submatrix(ctx, &a, &rows, &cols, &what)?;
    // Lists out of order, with a repeat: the result follows the lists, not the matrix.
    check_submatrix(ctx, &a, &[r - 1, 0, r - 1], &[c - 1, 1, 0], &what)?;
    // One row and one column.
    let (i, j) = (ctx.rng().random_range(0..r), ctx.rng().random_range(0..c));
    check_submatrix(ctx, &a, &[i], &[j], &what)
}

fn mask_oracle(a: &Tensor) -> Tensor {
    a.remainder(5).eq(0).logical_or(&a.remainder(7).eq(0))
}

pub fn divisible_mask(ctx: &mut Ctx) -> Result<(), Failure> {
    let a = arange_6x6();
    let got = ctx.call_tensor("divisible_mask", vec![Value::arg(&a)])?;
    ctx.compare("`divisible_mask(A)` for A = arange(36) as 6×6", &mask_oracle(&a.to_device(ctx.device())), &got)
}

// BEGIN HIDDEN
/// An i64 tensor of `shape` with entries in [lo, hi).
fn random_integers(ctx: &mut Ctx, shape: &[i64], lo: i64, hi: i64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<i64> = (0..n).map(|_| ctx.rng().random_range(lo..hi)).collect();
    Tensor::from_slice(&values).view(shape)
}
// END HIDDEN

pub fn divisible_mask_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let k = ctx.rng().random_range(5..30);
    let (p, q, r) = (ctx.rng().random_range(1..4), ctx.rng().random_range(2..5), ctx.rng().random_range(2..6));
    let cases = [
        (random_integers(ctx, &[k], -200, 200), format!("a random 1-D A of {k} entries from -200 to 199")),
        (random_integers(ctx, &[p, q, r], -1000, 1000), format!("a random A of shape [{p}, {q}, {r}] with entries from -1000 to 999")),
        (Tensor::from_slice(&[-35i64, -14, -10, -7, -6, 0, 1, 49, 70, 99]), "A = [-35, -14, -10, -7, -6, 0, 1, 49, 70, 99]".to_string()),
    ];
    for (a, what) in cases {
        let got = ctx.call_tensor("divisible_mask", vec![Value::arg(&a)])?;
        ctx.compare(&format!("`divisible_mask(A)` for {what}"), &mask_oracle(&a.to_device(ctx.device())), &got)?;
    }
    Ok(())
}

pub fn count_true(ctx: &mut Ctx) -> Result<(), Failure> {
    let example = mask_oracle(&arange_6x6());
    let n = ctx.rng().random_range(5..40);
    let random: Vec<bool> = (0..n).map(|_| ctx.rng().random_bool(0.3)).collect();
    let random = Tensor::from_slice(&random);
    let (rows, cols) = (ctx.rng().random_range(2..6), ctx.rng().random_range(2..6));
    let grid: Vec<bool> = (0..rows * cols).map(|_| ctx.rng().random_bool(0.5)).collect();
    let grid = Tensor::from_slice(&grid).view([rows, cols]);
    let none = Tensor::zeros([3, 4], (Kind::Bool, Device::Cpu));
    let cases = [
        ("the mask of arange(36)".to_string(), example),
        (format!("a random 1-D mask of {n} entries"), random),
        (format!("a random mask of shape [{rows}, {cols}]"), grid),
        ("a [3, 4] mask with no true entry".to_string(), none),
    ];
    for (what, mask) in cases {
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
    check_add_ten(ctx, &a, &mask, "A = arange(36) as 6×6 and its mask from exercise 11", true)
}

/// Judges the values only: whether the update is in place is the visible check's.
pub fn add_ten_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let k = ctx.rng().random_range(4..20);
    let (p, q, r) = (ctx.rng().random_range(1..4), ctx.rng().random_range(2..5), ctx.rng().random_range(2..5));
    let shapes = [vec![k], vec![q, r], vec![p, q, r]];
    for shape in shapes {
        let a = random_integers(ctx, &shape, -50, 50);
        let n: i64 = shape.iter().product();
        // A mask unrelated to the values (not the mask of exercise 11).
        let flags: Vec<bool> = (0..n).map(|_| ctx.rng().random_bool(0.4)).collect();
        let mask = Tensor::from_slice(&flags).view(shape.as_slice());
        check_add_ten(ctx, &a, &mask, &format!("a random A of shape {shape:?} and a random mask"), false)?;
    }
    let a = random_integers(ctx, &[3, 3], -50, 50);
    check_add_ten(ctx, &a, &Tensor::zeros([3, 3], (Kind::Bool, Device::Cpu)), "a random 3×3 A and a mask with no true entry", false)?;
    check_add_ten(ctx, &a, &Tensor::ones([3, 3], (Kind::Bool, Device::Cpu)), "a random 3×3 A and a mask that is true everywhere", false)
}

fn check_add_ten(ctx: &mut Ctx, a: &Tensor, mask: &Tensor, what: &str, in_place: bool) -> Result<(), Failure> {
    let out = ctx.call("add_ten_where", vec![Value::arg(a), Value::arg(mask)])?;
    let [Value::Tensor(caller), Value::Tensor(variable)] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for add_ten_where".into()));
    };
    let want = a.to_device(ctx.device()) + mask.to_device(ctx.device()).to_kind(Kind::Int64) * 10;
    let read = |t: &gradwork::value::TensorData| t.to_tensor().map_err(|e| Failure::wrong(format!("unreadable tensor: {e}")));
    ctx.compare(&format!("After `add_ten_where(&mut a, &mask)` for {what}, the tensor `a`"), &want, &read(variable)?)?;
    if !in_place {
        return Ok(());
    }
    ctx.compare("The tensor `a` as the caller's other handles see it", &want, &read(caller)?).map_err(|_| {
        Failure::wrong(
            "`a` holds the right values, but only because it was replaced by a new tensor: other handles to \
             the same storage still see the old values, so the update was not in place. Modify `a` itself, \
             with an in-place operation such as `masked_fill_` or `masked_scatter_` (their names end in `_`).",
        )
    })
}
