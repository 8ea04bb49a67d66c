//! Exercises 6–10: activations, softmax, cross-entropy, the forward pass and
//! the hand-written backward pass of the two-layer network, against autograd.

use crate::inputs::{away_from_zero, labels, normal_tensor, uniform_tensor};
use crate::oracle::{self, cpu, Act, Params, GRAD_NAMES};
use gradwork::compare::{CompareOptions, Tolerance};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// The ReLU derivative and the sigmoid's, by autograd.
fn derivative_oracle(z: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Tensor {
    let leaf = z.detach().set_requires_grad(true);
    let y = f(&leaf).sum(Kind::Double);
    Tensor::run_backward(&[&y], &[&leaf], false, false).remove(0)
}

pub fn activations(ctx: &mut Ctx) -> Result<(), Failure> {
    // Kept away from 0, where ReLU has no derivative.
    let mut z = uniform_tensor(ctx.rng(), &[4, 5], -4.0, 4.0);
    while !away_from_zero(&z, 1e-3) {
        z = uniform_tensor(ctx.rng(), &[4, 5], -4.0, 4.0);
    }
    let extremes = Tensor::from_slice(&[-30.0f64, -5.0, 5.0, 30.0]);
    let zd = z.to_device(ctx.device());
    let cases: [(&str, &Tensor, Tensor); 5] = [
        ("relu", &z, zd.relu()),
        ("relu_derivative", &z, derivative_oracle(&zd, |t| t.relu())),
        ("sigmoid", &z, zd.sigmoid()),
        ("sigmoid_derivative", &z, derivative_oracle(&zd, |t| t.sigmoid())),
        ("sigmoid", &extremes, extremes.sigmoid()),
    ];
    for (function, input, want) in cases {
        let got = ctx.call_tensor(function, vec![Value::arg(input)])?;
        let what = if input.size() == [4] {
            "`sigmoid(z)` for z = [-30, -5, 5, 30]".to_string()
        } else {
            format!("`{function}(z)` for a random z of shape [4, 5] (entries in (-4, 4), none within 0.001 of 0)")
        };
        ctx.compare(&what, &want, &got).map_err(|f| match f {
            Failure::Wrong(m) => Failure::wrong(format!("{m}\n\n{}", activation_hint(function))),
            other => other,
        })?;
    }
    Ok(())
}

/// What each activation function must compute.
fn activation_hint(function: &str) -> &'static str {
    match function {
        "relu" => "`relu(z)` is max(0, z) element-wise, as f64 numbers.",
        "relu_derivative" => "`relu_derivative(z)` is 1 where z > 0 and 0 elsewhere, as f64 numbers (not bools).",
        "sigmoid" => "`sigmoid(z)` is 1 / (1 + e^(−z)) element-wise.",
        _ => "`sigmoid_derivative(z)` is s·(1 − s) where s = sigmoid(z): it uses the sigmoid's value, not z itself.",
    }
}

pub fn softmax(ctx: &mut Ctx) -> Result<(), Failure> {
    let rows = ctx.rng().random_range(2..7);
    let cols = ctx.rng().random_range(2..6);
    // A random batch, then a batch of one row.
    for (rows, cols) in [(rows, cols), (1, cols + 1)] {
        let logits = normal_tensor(ctx.rng(), &[rows, cols], 3.0);
        let got = ctx.call_tensor("softmax", vec![Value::arg(&logits)])?;
        let want = logits.to_device(ctx.device()).softmax(1, Kind::Double);
        ctx.compare(&format!("`softmax(logits)` for random logits of shape [{rows}, {cols}]"), &want, &got)?;
    }
    Ok(())
}

pub fn softmax_stable(ctx: &mut Ctx) -> Result<(), Failure> {
    let shift: f64 = ctx.rng().random_range(-3.0..3.0);
    let logits = Tensor::from_slice(&[1000.0f64, 999.0, 998.0, -1000.0, -1000.0, -999.0, 1000.0, -1000.0, 0.0, 1000.0 + shift, 1000.0, -shift])
        .view([4, 3]);
    let got = ctx.call_tensor("softmax", vec![Value::arg(&logits)])?;
    let want = logits.to_device(ctx.device()).softmax(1, Kind::Double);
    ctx.compare("`softmax(logits)` for logits of ±1000 (rows [1000, 999, 998], [-1000, -1000, -999], [1000, -1000, 0], …)", &want, &got)
}

pub fn cross_entropy(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(3..9);
    let c = ctx.rng().random_range(2..5);
    let probs = normal_tensor(ctx.rng(), &[n, c], 1.5).softmax(1, Kind::Double);
    let y = labels(ctx.rng(), n, c);
    let got = match ctx.call_one("cross_entropy", vec![Value::arg(&probs), Value::arg(&y)])? {
        Value::F64(v) => v,
        other => return Err(Failure::Grader(format!("the runner sent {} for `cross_entropy`", other.type_name()))),
    };
    let want = -probs.gather(1, &y.unsqueeze(1), false).log().mean(Kind::Double).double_value(&[]);
    let what = format!("`cross_entropy(probs, y)` for a batch of {n} rows and {c} classes");
    crate::scalar::close(ctx, &what, want, got).map_err(|m| {
        let why = if (Tolerance { rtol: 1e-6, atol: 1e-9 }).accepts(want * n as f64, got) {
            " Your value is the sum over the batch: divide by the number of rows N to get the mean."
        } else {
            " It is −(1/N) Σᵢ ln probs[i, yᵢ]: each row's probability of its own class (`gather` along dimension 1), its logarithm, the mean, negated."
        };
        Failure::wrong(format!("{m}.{why}"))
    })
}

/// A random network and batch whose hidden pre-activations stay away from 0.
fn network(ctx: &mut Ctx, act: Act, sizes: (i64, i64, i64, i64)) -> (Params, Tensor, Tensor) {
    let (n, d, h, c) = sizes;
    loop {
        let params = Params::random(ctx.rng(), d, h, c, 0.7);
        let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
        let y = labels(ctx.rng(), n, c);
        let z1 = x.matmul(&params.w1) + &params.b1;
        if act == Act::Sigmoid || away_from_zero(&z1, 1e-3) {
            return (params, x, y);
        }
    }
}

fn random_sizes(ctx: &mut Ctx) -> (i64, i64, i64, i64) {
    let rng = ctx.rng();
    (rng.random_range(4..10), rng.random_range(2..5), rng.random_range(3..8), rng.random_range(2..4))
}

fn tensors(values: &[Value], call: &str) -> Result<Vec<Tensor>, Failure> {
    values
        .iter()
        .map(|v| match v {
            Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("`{call}` returned an unreadable tensor: {e}"))),
            other => Err(Failure::Grader(format!("the runner sent {} where a tensor belongs", other.type_name()))),
        })
        .collect()
}

pub fn forward(ctx: &mut Ctx) -> Result<(), Failure> {
    for act in [Act::Relu, Act::Sigmoid] {
        let sizes = random_sizes(ctx);
        let (params, x, y) = network(ctx, act, sizes);
        let mut args = params.args(act);
        args.push(Value::arg(&x));
        let out = tensors(&ctx.call("forward", args)?, "Mlp::forward")?;
        let want = oracle::run(act, &params.to_vec(), &x, &y, ctx.device());
        let (n, d, h, c) = sizes;
        let shapes = format!("{} network, x of shape [{n}, {d}], W1 [{d}, {h}], W2 [{h}, {c}]", act.name());
        ctx.compare(&format!("`cache.z1` (= x·W1 + b1) from `forward` ({shapes})"), &want.z1, &out[1])?;
        ctx.compare(&format!("`cache.a1` (= {}(z1)) from `forward` ({shapes})", act.name()), &want.a1, &out[2])?;
        ctx.compare(&format!("The scores (= a1·W2 + b2) from `forward` ({shapes})"), &want.scores, &out[0])?;
        ctx.compare(&format!("`cache.scores` from `forward` ({shapes})"), &want.scores, &out[3])?;
    }
    Ok(())
}

/// What each gradient is, for the message when it is wrong.
fn gradient_hint(name: &str) -> &'static str {
    match name {
        "d_w2" => "dW2 = a1ᵀ · dscores, with dscores = (probs − one_hot(y)) / N.",
        "d_b2" => "db2 is dscores summed over the batch (the rows), kept as shape (1, C).",
        "d_w1" => "dW1 = xᵀ · dz1, with dz1 = (dscores · W2ᵀ) ⊙ act′(z1), the activation's derivative at the pre-activation z1.",
        _ => "db1 is dz1 summed over the batch (the rows), kept as shape (1, H).",
    }
}

/// Compares the student's gradients with autograd's for one network and batch.
fn check_backward(ctx: &mut Ctx, act: Act, sizes: (i64, i64, i64, i64)) -> Result<(), Failure> {
    let (params, x, y) = network(ctx, act, sizes);
    let mut args = params.args(act);
    args.extend([Value::arg(&x), Value::arg(&y)]);
    let out = ctx.call("loss_and_gradients", args)?;
    let got = tensors(&out[1..], "Mlp::backward_pass")?;
    let want = oracle::run(act, &params.to_vec(), &x, &y, ctx.device());
    let (n, d, h, c) = sizes;
    let shapes = format!("{} network, batch of {n}, D = {d}, H = {h}, C = {c}", act.name());
    if ctx.compare("", &want.probs, &got[0]).is_err() {
        return Err(Failure::wrong(format!(
            "The probabilities that `Mlp::loss` computes ({shapes}) are already wrong, so the gradients cannot be \
             right: fix `forward`, `softmax` and the activation functions first (their own checks say what is off)."
        )));
    }
    // From the output backwards: the first wrong gradient is where the chain rule broke.
    for i in [2usize, 3, 0, 1] {
        let name = GRAD_NAMES[i];
        let what = format!("`{name}` from `backward_pass` ({shapes})");
        if let Err(Failure::Wrong(message)) = ctx.compare(&what, &cpu(&want.grads[i]), &got[i + 1]) {
            let scaled = cpu(&want.grads[i]) * n as f64;
            let options = CompareOptions::with_tolerance(Tolerance { rtol: 1e-6, atol: 1e-9 });
            let extra = if ctx.compare_with("", &scaled, &got[i + 1], &options).is_ok() {
                format!(" Your `{name}` is exactly N = {n} times too large: the loss is the mean over the batch, so dscores must be divided by N.")
            } else {
                String::new()
            };
            return Err(Failure::wrong(format!("{message}\n\n{}{extra}", gradient_hint(name))));
        }
    }
    Ok(())
}

pub fn backward_relu(ctx: &mut Ctx) -> Result<(), Failure> {
    check_backward(ctx, Act::Relu, (5, 2, 5, 2))?;
    let sizes = random_sizes(ctx);
    check_backward(ctx, Act::Relu, sizes)
}

pub fn backward_sigmoid(ctx: &mut Ctx) -> Result<(), Failure> {
    check_backward(ctx, Act::Sigmoid, (5, 2, 5, 2))?;
    let sizes = random_sizes(ctx);
    check_backward(ctx, Act::Sigmoid, sizes)
}

pub fn backward_gradcheck(ctx: &mut Ctx) -> Result<(), Failure> {
    crate::gradcheck::backward_gradcheck(ctx)
}
