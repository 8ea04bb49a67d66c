//! Exercise 5: the student's random direction (seeded, filter-normalised)
//! and loss slice, against the oracle on the grader's weights.

use crate::model::{self, random_weights, tensor_list, tensors};
use gradwork::compare::{num, CompareOptions, Tolerance};
use gradwork::inputs::uniform_tensor;
use gradwork::outputs;
use gradwork::plot::{self, LinePlot, Series};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Kind, Tensor};

/// The oracle: what `random_direction(params, seed)` must return.
fn oracle_direction(params: &[Tensor], seed: i64) -> Vec<Tensor> {
    gradwork::torch_rng::manual_seed(seed);
    params
        .iter()
        .map(|p| {
            let d = p.randn_like();
            if p.dim() < 2 {
                return d.zeros_like();
            }
            let norms = |t: &Tensor| t.flatten(1, -1).norm_scalaropt_dim(2, [1i64].as_slice(), false);
            let shape: Vec<i64> = std::iter::once(-1).chain(std::iter::repeat_n(1, p.dim() - 1)).collect();
            &d * (norms(p) / norms(&d)).view(shape.as_slice())
        })
        .collect()
}

const NAMES: [&str; 6] = ["conv1 weight", "conv1 bias", "conv2 weight", "conv2 bias", "conv3 weight", "conv3 bias"];

/// Parameters of another network: `random_direction` takes any list of
/// parameters, and a weight of two dimensions is a weight too.
const OTHER_NAMES: [&str; 4] = ["linear weight (2-D)", "linear bias", "1-D convolution weight (3-D)", "1-D convolution bias"];

pub fn direction(ctx: &mut Ctx) -> Result<(), Failure> {
    let (w, width) = (ctx.rng().random_range(1..4i64), ctx.rng().random_range(2..6i64));
    let params = random_weights(ctx.rng(), w, width);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    judge_direction(ctx, &params, &NAMES, seed, &format!("`random_direction(params, {seed})` (a NextFrameCnn with w = {w}, width = {width})"))?;
    let (out, inp, ch, kernel) = (ctx.rng().random_range(2..6i64), ctx.rng().random_range(2..6i64), ctx.rng().random_range(2..4i64), ctx.rng().random_range(2..4i64));
    let mut uniform = |shape: &[i64]| uniform_tensor(ctx.rng(), shape, -1.0, 1.0).to_kind(Kind::Float);
    let other = [uniform(&[out, inp]), uniform(&[out]), uniform(&[ch, out, kernel]), uniform(&[ch])];
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let shapes: Vec<Vec<i64>> = other.iter().map(|p| p.size()).collect();
    judge_direction(ctx, &other, &OTHER_NAMES, seed, &format!("`random_direction(params, {seed})` (the parameters of another network, of shapes {shapes:?})"))
}

fn judge_direction(ctx: &mut Ctx, params: &[Tensor], names: &[&str], seed: i64, call: &str) -> Result<(), Failure> {
    let got = tensors(&ctx.call_one("random_direction", vec![tensor_list(params), seed.into()])?, "the direction")?;
    if got.len() != params.len() {
        return Err(Failure::wrong(format!("{call} returned {} tensors; expected {}, one per parameter, in order.", got.len(), params.len())));
    }
    for (i, (d, p)) in got.iter().zip(params).enumerate() {
        if d.size() != p.size() {
            return Err(Failure::wrong(format!("{call}: the direction of the {} has shape {:?}; the parameter's is {:?}.", names[i], d.size(), p.size())));
        }
        if p.dim() < 2 && d.abs().max().double_value(&[]) != 0.0 {
            return Err(Failure::wrong(format!("{call}: the direction of the {} is not zero; biases get a zero direction.", names[i])));
        }
        if p.dim() >= 2 {
            let norms = |t: &Tensor| t.to_kind(Kind::Double).flatten(1, -1).norm_scalaropt_dim(2, [1i64].as_slice(), false);
            let (want, have) = (norms(p), norms(d));
            let off = ((&have - &want).abs() / &want).max().double_value(&[]);
            if !(off <= 1e-4) {
                return Err(Failure::wrong(format!(
                    "{call}: the filters of the direction of the {} have norms {:?}; the weight's filters have {:?} (off by up to {} \
                     relative). Scale each filter (each slice along the first dimension) of the draw to the norm of the same \
                     filter of the weight: every weight of two or more dimensions.",
                    names[i],
                    Vec::<f64>::try_from(&have).unwrap_or_default(),
                    Vec::<f64>::try_from(&want).unwrap_or_default(),
                    num(off)
                )));
            }
        }
    }
    let want = oracle_direction(params, seed);
    for (i, (d, o)) in got.iter().zip(&want).enumerate() {
        ctx.compare(&format!("The direction of the {} from {call} (draws: `tch::manual_seed(seed)`, then `randn_like` of each parameter in order)", names[i]), o, d)?;
    }
    let again = tensors(&ctx.call_one("random_direction", vec![tensor_list(params), (seed + 1).into()])?, "the direction")?;
    if again.iter().zip(&got).all(|(a, b)| a.size() == b.size() && a.equal(b)) {
        return Err(Failure::wrong(format!("{call} and the same call with seed {} returned the same direction: the seed must change it.", seed + 1)));
    }
    Ok(())
}

pub fn loss_slice(ctx: &mut Ctx) -> Result<(), Failure> {
    let (w, width) = (2i64, ctx.rng().random_range(2..5i64));
    let weights = random_weights(ctx.rng(), w, width);
    // A short, small simulation: the slice is compared exactly, so any frames will do.
    let p = crate::sim::Params { frames: 12, height: 16, width: 20, agents: 150, steps_per_frame: 2, warmup: 0, seed: ctx.rng().random_range(0..1_000_000u64) };
    let frames = Tensor::from_slice(&crate::sim::simulate(&p)).view([12, 16, 20]);
    let (inputs, targets) = crate::splits::windows(&frames, w);
    let d = model::direction(&weights, ctx.rng());
    let mut alphas = vec![-1.0, -0.5, 0.0, 0.25, 1.0];
    alphas.push(ctx.rng().random_range(-2.0..2.0));
    let args = vec![tensor_list(&weights), Value::arg(&inputs), Value::arg(&targets), tensor_list(&d), Value::List(alphas.iter().map(|&a| a.into()).collect())];
    let out = ctx.call("loss_slice", args)?;
    let [losses, after] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed slice".into()));
    };
    let losses = outputs::floats(losses, "the losses")?;
    let after = tensors(after, "the weights after")?;
    let want = model::slice(&weights, &inputs, &targets, &d, &alphas);
    let call = format!("`loss_slice` at α = {alphas:?} (a NextFrameCnn with w = 2, width = {width}, on 10 windows of 16 × 20)");
    let series = vec![
        Series { label: "your loss_slice".into(), points: alphas.iter().copied().zip(losses.iter().copied()).collect(), reference: false },
        Series { label: "reference".into(), points: alphas.iter().copied().zip(want.iter().copied()).collect(), reference: true },
    ];
    let mut order: Vec<usize> = (0..alphas.len()).collect();
    order.sort_by(|&a, &b| alphas[a].total_cmp(&alphas[b]));
    let sorted = |s: Series| Series { points: order.iter().map(|&i| s.points[i]).collect(), ..s };
    let plot_ = LinePlot { title: "Loss along θ + α·d".into(), x_label: "alpha".into(), y_label: "MSE".into(), series: series.into_iter().map(sorted).collect() };
    plot::attach(ctx, "loss-slice", "Your loss slice and the reference's", &plot_);
    let options = CompareOptions { tolerance: Some(Tolerance { rtol: 1e-4, atol: 1e-6 }), ..CompareOptions::default() };
    ctx.compare_with(&format!("The losses of {call}"), &Tensor::from_slice(&want), &Tensor::from_slice(&losses), &options)?;
    for (i, (a, b)) in after.iter().zip(&weights).enumerate() {
        if a.size() != b.size() || !a.equal(b) {
            return Err(Failure::wrong(format!(
                "After {call}, the model's {} is not what it was: restore every parameter exactly (keep a copy before you move \
                 them, and copy it back at the end).",
                NAMES[i]
            )));
        }
    }
    Ok(())
}
