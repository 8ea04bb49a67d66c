//! Exercises 10–13: the regressor's shape errors, the MLP against libtorch
//! with the same weights, dropout, polar features and the decision grid.

use crate::oracle;
use crate::wire::{self, at, named, weights_arg, tensor};
use gradwork::compare::num;
use gradwork::stats::{mean_z_test, DEFAULT_ALPHA};
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
    let (d, h, c, p) = (2i64, 8i64, 3i64, 0.3);
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

pub fn decision_grid(ctx: &mut Ctx) -> Result<(), Failure> {
    let (d, h, c, p) = (2i64, 16i64, 2i64, 0.5);
    oracle::seed_torch(ctx);
    // A model that has learned the moons, so that the grid shows a real boundary.
    let (x, y) = oracle::moons(200, 0.2);
    let weights = oracle::fit_mlp(&oracle::mlp_weights(d, h, c), &x, &y, 150, ctx.device());
    let (bounds, steps) = ([-1.5f64, 2.5, -1.0, 1.5], 25i64);
    let mut args = mlp_args((d, h, c, p), &weights);
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
    let probabilities = tch::no_grad(|| oracle::mlp_forward(&weights, &points, device).softmax(1, Kind::Float));
    let (confidence, predicted) = probabilities.max_dim(1, false);
    let (got_predicted, got_confidence) = (tensor(at(&out, 1)?)?, tensor(at(&out, 2)?)?);
    if got_predicted.size() == predicted.size() {
        let data = crate::curves::points(&x, &y);
        crate::curves::attach_grid(ctx, "decision-grid", (bounds, steps), &got_predicted, &predicted, &got_confidence, data);
    }
    ctx.compare(&format!("The predicted classes of {what}"), &predicted, &got_predicted)?;
    ctx.compare(&format!("The confidence of {what}"), &confidence, &got_confidence).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!(
            "{m}\n\nThe confidence is the largest softmax probability at each point, computed in evaluation mode (dropout off): it is 1/2 on the decision boundary of two classes and near 1 far from it."
        )),
        other => other,
    })
}
