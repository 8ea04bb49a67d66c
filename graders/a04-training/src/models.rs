//! Exercises 10–13: the regressor's shape errors, the MLP against libtorch
//! with the same weights, dropout, polar features and the decision grid.

use crate::oracle;
use crate::wire::{self, at, named, weights_arg, tensor};
use gradwork::compare::num;
use gradwork::stats::{chi_square_gof, mean_z_test, DEFAULT_ALPHA};
use gradwork::suite::{judge_test, Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

pub fn shape_error(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = 8i64;
    let x2 = Tensor::randn([n, 2], (Kind::Float, Device::Cpu));
    // The notebook's Exercise A: a 1 → 1 model fed (n, 2) inputs.
    match wire::call(ctx, "regressor_forward", vec![1i64.into(), 1i64.into(), Value::arg(&x2)])? {
        Err(e) if e.kind == "ShapeError::Input" && e.numbers == [Value::I64(1), vec![n, 2].into()] => {}
        Err(e) => {
            return Err(Failure::wrong(format!(
                "`LinearRegressor::new(p, 1, 1).forward(x)` with x of shape [{n}, 2] returned `Err({})` carrying {:?}; expected \
                 `ShapeError::Input {{ expected: 1, got: [{n}, 2] }}`.",
                e.kind, e.numbers
            )))
        }
        Ok(_) => {
            return Err(Failure::wrong(format!(
                "`LinearRegressor::new(p, 1, 1).forward(x)` with x of shape [{n}, 2] returned a prediction. A model that takes 1 \
                 feature cannot use 2: check `x.size()` first and return `Err(ShapeError::Input {{ expected: 1, got: [{n}, 2] }})`."
            )))
        }
    }
    let x1 = Tensor::randn([n], (Kind::Float, Device::Cpu));
    match wire::call(ctx, "regressor_forward", vec![1i64.into(), 1i64.into(), Value::arg(&x1)])? {
        Err(e) if e.kind == "ShapeError::Input" => {}
        _ => {
            return Err(Failure::wrong(format!(
                "`LinearRegressor::new(p, 1, 1).forward(x)` with a 1-D x of shape [{n}] did not return `Err(ShapeError::Input {{ .. }})`. \
                 Inputs must be 2-D, one row per sample: [{n}, 1] here."
            )))
        }
    }
    // The fix: a 2 → 4 model.
    let out = wire::call_ok(ctx, &format!("`LinearRegressor::new(p, 2, 4).forward(x)` with x of shape [{n}, 2]"), "regressor_forward", vec![2i64.into(), 4i64.into(), Value::arg(&x2)])?;
    let y = tensor(at(&out, 0)?)?;
    if y.size() != [n, 4] {
        return Err(Failure::wrong(format!(
            "`LinearRegressor::new(p, 2, 4).forward(x)` with x of shape [{n}, 2] returned shape {:?}; expected [{n}, 4].",
            y.size()
        )));
    }
    // fit_regression: a prediction of shape [b, 1] against targets [b, 4] must not broadcast.
    let y4 = Tensor::randn([n, 4], (Kind::Float, Device::Cpu));
    let args = |i: i64, o: i64| -> Vec<Value> {
        vec![i.into(), o.into(), Value::arg(&x2), Value::arg(&y4), Value::arg(&x2), Value::arg(&y4), 4i64.into(), 1i64.into(), 0.01.into(), 0.0.into(), 0i64.into()]
    };
    match wire::call(ctx, "fit_regression", args(2, 1))? {
        Err(e) if e.kind == "ShapeError::Target" && e.numbers == [vec![4i64, 1].into(), vec![4i64, 4].into()] => {}
        Err(e) => {
            return Err(Failure::wrong(format!(
                "`fit_regression` of a 2 → 1 model on targets of shape [{n}, 4] (batches of 4) returned `Err({})` carrying {:?}; \
                 expected `TrainError::Shape(ShapeError::Target {{ prediction: [4, 1], target: [4, 4] }})`.",
                e.kind, e.numbers
            )))
        }
        Ok(_) => {
            return Err(Failure::wrong(format!(
                "`fit_regression` trained a 2 → 1 model on targets of shape [{n}, 4]. Its predictions have shape [4, 1] per batch \
                 and libtorch silently broadcasts them against [4, 4] targets, so it fits nonsense. Compare the prediction's \
                 shape with the target's and return `Err(TrainError::Shape(ShapeError::Target {{ .. }}))` when they differ."
            )))
        }
    }
    match wire::call(ctx, "fit_regression", args(1, 1))? {
        Err(e) if e.kind == "ShapeError::Input" => Ok(()),
        _ => Err(Failure::wrong(format!(
            "`fit_regression` of the notebook's 1 → 1 model on x of shape [{n}, 2] did not return \
             `Err(TrainError::Shape(ShapeError::Input {{ .. }}))`: use `LinearRegressor::forward`, which checks the input, and pass its error on with `?`."
        ))),
    }
}

fn mlp_args(spec: (i64, i64, i64, f64), weights: &[(String, Tensor)]) -> Vec<Value> {
    vec![spec.0.into(), spec.1.into(), spec.2.into(), spec.3.into(), weights_arg(weights)]
}

pub fn mlp_forward(ctx: &mut Ctx) -> Result<(), Failure> {
    // Sizes from the seed, all different, so that a layer of the wrong size shows.
    let d = ctx.rng().random_range(1..5i64);
    let h = ctx.rng().random_range(6..13i64);
    let c = ctx.rng().random_range(2..6i64);
    let p = 0.3;
    oracle::seed_torch(ctx);
    let weights = oracle::mlp_weights(d, h, c);
    let n = ctx.rng().random_range(10..30i64);
    let x = Tensor::randn([n, d], (Kind::Float, Device::Cpu));
    let mut args = mlp_args((d, h, c, p), &weights);
    args.extend([Value::arg(&x), false.into()]);
    let out = ctx.call("mlp_forward", args)?;
    let have: Vec<String> = named(at(&out, 0)?)?.iter().map(|(n, t)| format!("{n} {:?}", t.size())).collect();
    let want: Vec<String> = oracle::mlp_shapes(d, h, c).iter().map(|(n, s)| format!("{n} {s:?}")).collect();
    if have != want {
        return Err(Failure::wrong(format!(
            "`Mlp::new(p, {d}, {h}, {c}, {p})` has the variables [{}]; expected [{}]. Name the layers `fc1`, `fc2` and `out` \
             (`nn::linear(p / \"fc1\", in_dim, hidden, ..)`, ...).",
            have.join(", "),
            want.join(", ")
        )));
    }
    let want = oracle::mlp_forward(&weights, &x, ctx.device());
    ctx.compare(&format!("`forward_t(x, false)` of `Mlp::new(p, {d}, {h}, {c}, {p})` for x of shape [{n}, {d}]"), &want, &tensor(at(&out, 1)?)?)
        .map_err(|f| match f {
            Failure::Wrong(m) => Failure::Wrong(format!(
                "{m}\n\nThe layers are Linear → ReLU → Dropout → Linear → ReLU → Linear, returning logits (no softmax), and dropout does nothing in evaluation mode (`train = false`)."
            )),
            other => other,
        })
}

pub fn mlp_dropout(ctx: &mut Ctx) -> Result<(), Failure> {
    // Identity layers and positive inputs: the output is the input with dropout applied once.
    let (d, p, n) = (20i64, 0.3, 500i64);
    let eye = Tensor::eye(d, (Kind::Float, Device::Cpu));
    let zero = Tensor::zeros([d], (Kind::Float, Device::Cpu));
    let weights: Vec<(String, Tensor)> = ["fc1", "fc2", "out"]
        .iter()
        .flat_map(|l| [(format!("{l}.weight"), eye.copy()), (format!("{l}.bias"), zero.copy())])
        .collect();
    let values: Vec<f32> = (0..n * d).map(|_| ctx.rng().random_range(1.0f32..2.0)).collect();
    let x = Tensor::from_slice(&values).view([n, d]);
    let call = |ctx: &mut Ctx, train: bool| -> Result<Tensor, Failure> {
        let mut args = mlp_args((d, d, d, p), &weights);
        args.extend([Value::arg(&x), train.into()]);
        tensor(at(&ctx.call("mlp_forward", args)?, 1)?)
    };
    let what = format!("`Mlp::new(p, {d}, {d}, {d}, {p})` with identity layers");
    let eval = call(ctx, false)?;
    ctx.compare(&format!("{what}: `forward_t(x, false)`"), &x, &eval)?;
    let y = call(ctx, true)?;
    if y.size() != x.size() {
        return Err(Failure::wrong(format!("{what}: `forward_t(x, true)` has shape {:?}, expected {:?}.", y.size(), x.size())));
    }
    let dropped = y.eq(0.0);
    let kept_ok = (&y - &x / (1.0 - p)).abs().le(1e-4).logical_or(&dropped);
    let bad = kept_ok.logical_not().sum(Kind::Int64).int64_value(&[]);
    if bad > 0 {
        let ratio = (y.masked_select(&dropped.logical_not()) / x.masked_select(&dropped.logical_not())).mean(Kind::Double).double_value(&[]);
        return Err(Failure::wrong(format!(
            "{what}: in training mode, {bad} outputs are neither 0 nor input / (1 − p). Kept units must be scaled by \
             1 / (1 − p) = {} so that the expected value is unchanged; yours are scaled by {} on average. \
             `Tensor::dropout(p, train)` does both, after the first ReLU.",
            num(1.0 / (1.0 - p)),
            num((ratio * 1e4).round() / 1e4)
        )));
    }
    let zeros: Vec<f64> = Vec::<f64>::try_from(&dropped.to_kind(Kind::Double).flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    let share = zeros.iter().sum::<f64>() / zeros.len() as f64;
    judge_test(
        &format!("{what}: `forward_t(x, true)`"),
        &format!("dropout with p = {p}"),
        &mean_z_test(&zeros, p, p * (1.0 - p)),
        DEFAULT_ALPHA,
        &format!("{} of the hidden units were dropped; dropout with p = {p} drops each with probability {p}.", num((share * 1e4).round() / 1e4)),
    )
}

pub fn to_polar(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(20..40i64);
    let values: Vec<f64> = (0..2 * n).map(|_| ctx.rng().random_range(-3.0..3.0)).collect();
    let mut x = Tensor::from_slice(&values).view([n, 2]);
    // One point in each quadrant for sure.
    let corners = Tensor::from_slice(&[1.0f64, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0]).view([4, 2]);
    x = Tensor::cat(&[corners, x], 0);
    let got = ctx.call_tensor("to_polar", vec![Value::arg(&x)])?;
    let xd = x.to_device(ctx.device());
    let (x1, x2) = (xd.select(1, 0), xd.select(1, 1));
    let want = Tensor::stack(&[(x1.square() + x2.square()).sqrt(), x2.atan2(&x1)], 1);
    ctx.compare(&format!("`to_polar(x)` for x of shape [{}, 2] (f64)", n + 4), &want, &got).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nColumn 0 is r = √(x₁² + x₂²), column 1 is θ = atan2(x₂, x₁) (in radians, in (−π, π]; `atan(x₂ / x₁)` loses the quadrant).")),
        other => other,
    })
}

/// What a decision grid gave: the student's classes and confidence, and libtorch's classes.
struct Grid {
    predicted: Tensor,
    confidence: Tensor,
    want_predicted: Tensor,
}

/// Runs the student's `decision_grid` and compares its points; returns the
/// classes and confidences to compare (after a plot, if the caller wants one).
fn grid(ctx: &mut Ctx, spec: (i64, i64, i64, f64), weights: &[(String, Tensor)], bounds: [f64; 4], steps: i64) -> Result<(String, Grid, Tensor), Failure> {
    let mut args = mlp_args(spec, weights);
    args.extend([Value::arg(&Tensor::from_slice(&bounds)), steps.into()]);
    let out = ctx.call("decision_grid", args)?;
    let what = format!("`decision_grid(model, {bounds:?}, {steps})`");
    // The classes are compared exactly, so this oracle runs where the student's
    // code does (the CPU): a CUDA kernel could flip a point that sits near a tie.
    let device = Device::Cpu;
    let xs = Tensor::linspace(bounds[0], bounds[1], steps, (Kind::Float, device));
    let ys = Tensor::linspace(bounds[2], bounds[3], steps, (Kind::Float, device));
    let points = Tensor::stack(&[xs.repeat([steps]), ys.repeat_interleave_self_int(steps, 0, None)], 1);
    ctx.compare(&format!("The points of {what}"), &points, &tensor(at(&out, 0)?)?).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nPoint k is (xs[k % steps], ys[k / steps]): x varies fastest, like `meshgrid` with indexing \"xy\" flattened.")),
        other => other,
    })?;
    let probabilities = tch::no_grad(|| oracle::mlp_forward(weights, &points, device).softmax(1, Kind::Float));
    let (confidence, predicted) = probabilities.max_dim(1, false);
    let got = Grid { predicted: tensor(at(&out, 1)?)?, confidence: tensor(at(&out, 2)?)?, want_predicted: predicted };
    Ok((what, got, confidence))
}

/// Compares the classes and the confidence of a grid with libtorch's.
fn judge_grid(ctx: &mut Ctx, what: &str, got: &Grid, confidence: &Tensor) -> Result<(), Failure> {
    ctx.compare(&format!("The predicted classes of {what}"), &got.want_predicted, &got.predicted)?;
    ctx.compare(&format!("The confidence of {what}"), confidence, &got.confidence).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!(
            "{m}\n\nThe confidence is the largest softmax probability at each point, computed in evaluation mode (dropout off): it is 1/2 on the decision boundary of two classes and near 1 far from it."
        )),
        other => other,
    })
}

pub fn decision_grid(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c, p) = (2i64, 16i64, 2i64, 0.5);
    oracle::seed_torch(ctx);
    // A model that has learned the moons, so that the grid shows a real boundary.
    let (x, y) = oracle::moons(120, 0.2);
    let weights = oracle::fit_mlp(&oracle::mlp_weights(d, h, c), &x, &y, 40, 0.08, ctx.device());
    let (bounds, steps) = ([-1.5f64, 2.5, -1.0, 1.5], 25i64);
    let (what, got, confidence) = grid(ctx, (d, h, c, p), &weights, bounds, steps)?;
    if got.predicted.size() == got.want_predicted.size() {
        let data = crate::curves::points(&x, &y);
        crate::curves::attach_grid(ctx, "decision-grid", (bounds, steps), &got.predicted, &got.want_predicted, &got.confidence, data);
    }
    judge_grid(ctx, &what, &got, &confidence)
}

pub fn decision_grid_other(ctx: &mut Ctx) -> Result<(), Failure> {
    // Three classes (the confidence can fall below 1/2), other bounds, and
    // the smallest grids: steps = 1 is the single point (x_min, y_min).
    let (d, h, c, p) = (2i64, 8i64, 3i64, 0.5);
    oracle::seed_torch(ctx);
    let weights: Vec<(String, Tensor)> = oracle::mlp_weights(d, h, c).into_iter().map(|(n, t)| (n, t * 3.0)).collect();
    for steps in [1i64, 2, ctx.rng().random_range(3..10)] {
        let mut edge = |lo: i64, hi: i64| ctx.rng().random_range(lo..hi) as f64 / 10.0;
        let bounds = [edge(-30, -1), edge(1, 30), edge(-30, -1), edge(1, 30)];
        let (what, got, confidence) = grid(ctx, (d, h, c, p), &weights, bounds, steps)?;
        judge_grid(ctx, &what, &got, &confidence)?;
    }
    Ok(())
}

pub fn polar_axes(ctx: &mut Ctx) -> Result<(), Failure> {
    // The axes and the origin, where formulas other than atan2 break: θ is π on
    // the negative x₁ axis (x₂ = +0.0), ±π/2 on the x₂ axis, and r = θ = 0 at the origin.
    let axes = [-1.0f64, 0.0, -2.5, 0.0, 0.0, 1.0, 0.0, -3.0, 2.0, 0.0, 0.0, 0.0];
    let n = ctx.rng().random_range(3..10i64);
    let mut values = axes.to_vec();
    values.extend((0..2 * n).map(|_| ctx.rng().random_range(-3.0..3.0)));
    let x = Tensor::from_slice(&values).view([-1, 2]);
    for (x, kind) in [(x.shallow_clone(), "f64"), (x.to_kind(Kind::Float), "f32"), (x.narrow(0, 0, 1).to_kind(Kind::Float), "f32, one row")] {
        let got = ctx.call_tensor("to_polar", vec![Value::arg(&x)])?;
        let xd = x.to_device(ctx.device());
        let (x1, x2) = (xd.select(1, 0), xd.select(1, 1));
        let want = Tensor::stack(&[(x1.square() + x2.square()).sqrt(), x2.atan2(&x1)], 1);
        let rows = x.size()[0];
        ctx.compare(&format!("`to_polar(x)` for x of shape [{rows}, 2] ({kind}), whose first rows lie on the axes"), &want, &got).map_err(|f| match f {
            Failure::Wrong(m) => Failure::Wrong(format!(
                "{m}\n\nThe first rows are (−1, 0), (−2.5, 0), (0, 1), (0, −3), (2, 0) and (0, 0): θ = atan2(x₂, x₁) is π, π, π/2, −π/2, 0 \
                 and 0 there, and r is 0 at the origin. A formula built on atan(x₂ / x₁) or acos(x₁ / r) breaks on the axes or at the \
                 origin; `x2.atan2(&x1)` does not. The result has the dtype of x."
            )),
            other => other,
        })?;
    }
    Ok(())
}

pub fn mlp_dropout_placement(ctx: &mut Ctx) -> Result<(), Failure> {
    // One input copied to h hidden units (fc1), their mean in every unit of
    // fc2, and the first of those as the output. With dropout after the first
    // ReLU, output / input = K / (h·(1 − p)) with K ~ Bin(h, 1 − p) kept
    // units; with dropout anywhere else K is 0 or h.
    let (h, p, n) = (4i64, 0.5, 2000i64);
    let out_weight = Tensor::eye(h, (Kind::Float, Device::Cpu)).narrow(0, 0, 1);
    let weights: Vec<(String, Tensor)> = vec![
        ("fc1.bias".into(), Tensor::zeros([h], (Kind::Float, Device::Cpu))),
        ("fc1.weight".into(), Tensor::ones([h, 1], (Kind::Float, Device::Cpu))),
        ("fc2.bias".into(), Tensor::zeros([h], (Kind::Float, Device::Cpu))),
        ("fc2.weight".into(), Tensor::full([h, h], 1.0 / h as f64, (Kind::Float, Device::Cpu))),
        ("out.bias".into(), Tensor::zeros([1], (Kind::Float, Device::Cpu))),
        ("out.weight".into(), out_weight),
    ];
    let values: Vec<f32> = (0..n).map(|_| ctx.rng().random_range(1.0f32..2.0)).collect();
    let x = Tensor::from_slice(&values).view([n, 1]);
    let mut args = mlp_args((1, h, 1, p), &weights);
    args.extend([Value::arg(&x), true.into()]);
    let y = tensor(at(&ctx.call("mlp_forward", args)?, 1)?)?;
    let what = format!("`Mlp::new(p, 1, {h}, 1, {p})` in training mode, with fc1 copying its input to every hidden unit and fc2 averaging them");
    if y.size() != [n, 1] {
        return Err(Failure::wrong(format!("{what}: `forward_t(x, true)` has shape {:?}, expected [{n}, 1].", y.size())));
    }
    let scaled = (y.to_kind(Kind::Double) / x.to_kind(Kind::Double)) * (h as f64 * (1.0 - p));
    let kept = scaled.round();
    let off = (&scaled - &kept).abs().max().double_value(&[]);
    let counts = Vec::<f64>::try_from(&kept.flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    let place = "Dropout belongs after the first ReLU, on the (n, hidden) output of fc1, and nowhere else: \
        Linear → ReLU → Dropout → Linear → ReLU → Linear. Here that keeps each of the 4 copies of the input with probability 1 − p, \
        and fc2's average of them is the input times (kept copies) / (4 · (1 − p)).";
    if !(off < 1e-3) || counts.iter().any(|&k| !(0.0..=h as f64).contains(&k)) {
        return Err(Failure::wrong(format!("{what}: the outputs are not the input times k / (4 · (1 − p)) for a whole number k of kept hidden units.\n\n{place}")));
    }
    let ks: Vec<i64> = counts.iter().map(|&k| k as i64).collect();
    let binomial = |k: i64| {
        if !(0..=h).contains(&k) {
            return 0.0;
        }
        let choose = (1..=k).fold(1.0, |c, i| c * (h - k + i) as f64 / i as f64);
        choose * (1.0 - p).powi(k as i32) * p.powi((h - k) as i32)
    };
    let test = chi_square_gof(&ks, binomial);
    let share_all_or_none = ks.iter().filter(|&&k| k == 0 || k == h).count() as f64 / n as f64;
    judge_test(
        &what,
        &format!("dropout of each of the {h} hidden units of fc1 with p = {p}"),
        &test,
        DEFAULT_ALPHA,
        &format!(
            "In {}% of the rows all 4 hidden units were kept or all dropped together (one unit dropped independently of the others gives {}%): \
             the dropout acts somewhere else than on the hidden units after the first ReLU.\n\n{place}",
            num((share_all_or_none * 1000.0).round() / 10.0),
            num((2.0 * 0.5f64.powi(h as i32) * 1000.0).round() / 10.0)
        ),
    )
}

pub fn shape_error_more(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let n = ctx.rng().random_range(6..12i64);
    // forward: x must be 2-D with in_dim columns; other ranks and widths are errors.
    for (in_dim, shape) in [(1i64, vec![n, 1, 1]), (3, vec![n, 2]), (2, vec![n, 3])] {
        let x = Tensor::zeros(shape.as_slice(), (Kind::Float, Device::Cpu));
        let call = format!("`LinearRegressor::new(p, {in_dim}, 1).forward(x)` with x of shape {shape:?}");
        match wire::call(ctx, "regressor_forward", vec![in_dim.into(), 1i64.into(), Value::arg(&x)])? {
            Err(e) if e.kind == "ShapeError::Input" && e.numbers == [Value::I64(in_dim), shape.clone().into()] => {}
            Err(e) => {
                return Err(Failure::wrong(format!(
                    "{call} returned `Err({})` carrying {:?}; expected `ShapeError::Input {{ expected: {in_dim}, got: {shape:?} }}`.",
                    e.kind, e.numbers
                )))
            }
            Ok(_) => {
                return Err(Failure::wrong(format!(
                    "{call} returned a prediction. x must be 2-D with exactly {in_dim} column(s): return \
                     `Err(ShapeError::Input {{ expected: {in_dim}, got: {shape:?} }})` for any other shape."
                )))
            }
        }
    }
    // A right input gives x Wᵀ + b with the model's own weights.
    let (i, o) = (ctx.rng().random_range(2..5i64), ctx.rng().random_range(1..5i64));
    let x = Tensor::randn([n, i], (Kind::Float, Device::Cpu));
    let what = format!("`LinearRegressor::new(p, {i}, {o}).forward(x)` with x of shape [{n}, {i}]");
    let out = wire::call_ok(ctx, &what, "regressor_forward", vec![i.into(), o.into(), Value::arg(&x)])?;
    let vars = named(at(&out, 1)?)?;
    let find = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, t)| t.shallow_clone());
    let (Some(w), Some(b)) = (find("linear.weight"), find("linear.bias")) else {
        let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
        return Err(Failure::wrong(format!(
            "{what}: the model's variables are {names:?}; expected `linear.weight` and `linear.bias`, one `nn::linear(p / \"linear\", in_dim, out_dim, ..)`."
        )));
    };
    ctx.compare(&format!("{what}: the prediction"), &x.linear(&w, Some(&b)), &tensor(at(&out, 0)?)?).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\nThe prediction is the layer's output x Wᵀ + b, one row per sample.")),
        other => other,
    })?;
    // fit_regression: a 1-D target broadcasts [b, 1] against [b] into [b, b];
    // bad validation data is an error too, found at the latest when it is first used.
    let x1 = Tensor::randn([8, 1], (Kind::Float, Device::Cpu));
    let y1 = Tensor::randn([8], (Kind::Float, Device::Cpu));
    let x2 = Tensor::randn([8, 2], (Kind::Float, Device::Cpu));
    let y4 = Tensor::randn([8, 4], (Kind::Float, Device::Cpu));
    let m = ctx.rng().random_range(3..9i64);
    let (xv, yv3, xv3) = (Tensor::randn([m, 2], (Kind::Float, Device::Cpu)), Tensor::randn([m, 3], (Kind::Float, Device::Cpu)), Tensor::randn([m, 3], (Kind::Float, Device::Cpu)));
    let yv4 = Tensor::randn([m, 4], (Kind::Float, Device::Cpu));
    fit_fails(
        ctx,
        "a 1 → 1 model on targets of shape [8] (1-D), batches of 4",
        (1, 1),
        [&x1, &y1, &x1, &y1],
        "ShapeError::Target",
        vec![vec![4i64, 1].into(), vec![4i64].into()],
    )?;
    fit_fails(
        ctx,
        &format!("a 2 → 4 model with right training data but validation targets of shape [{m}, 3]"),
        (2, 4),
        [&x2, &y4, &xv, &yv3],
        "ShapeError::Target",
        vec![vec![m, 4].into(), vec![m, 3].into()],
    )?;
    fit_fails(
        ctx,
        &format!("a 2 → 4 model with right training data but validation inputs of shape [{m}, 3]"),
        (2, 4),
        [&x2, &y4, &xv3, &yv4],
        "ShapeError::Input",
        vec![Value::I64(2), vec![m, 3].into()],
    )
}

// BEGIN HIDDEN
/// `fit_regression` of a `(in, out)` regressor on `[x_train, y_train, x_val, y_val]`
/// (batches of 4, one epoch) must return `TrainError::Shape(kind)` carrying `numbers`.
fn fit_fails(ctx: &mut Ctx, case: &str, (i, o): (i64, i64), data: [&Tensor; 4], kind: &str, numbers: Vec<Value>) -> Result<(), Failure> {
    let [xt, yt, xv, yv] = data;
    let args = vec![i.into(), o.into(), Value::arg(xt), Value::arg(yt), Value::arg(xv), Value::arg(yv), 4i64.into(), 1i64.into(), 0.01.into(), 0.0.into(), 0i64.into()];
    match wire::call(ctx, "fit_regression", args)? {
        Err(e) if e.kind == kind && e.numbers == numbers => Ok(()),
        Err(e) => Err(Failure::wrong(format!(
            "`fit_regression` of {case} returned `Err({})` carrying {:?}; expected `TrainError::Shape({kind} {{ .. }})` carrying {numbers:?}.",
            e.kind, e.numbers
        ))),
        Ok(_) => Err(Failure::wrong(format!(
            "`fit_regression` of {case} returned `Ok`: libtorch broadcast the shapes without a word and the losses mean nothing. \
             Check every batch, training and validation: the input with `LinearRegressor::forward`, then the prediction's shape \
             against the target's (`p.size() != y.size()`, the whole shape), and return `Err(TrainError::Shape({kind} {{ .. }}))`."
        ))),
    }
}
// END HIDDEN
