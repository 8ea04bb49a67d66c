//! Gradient checks on correct and planted-wrong targets of every kind: a
//! hand-written forward/backward pair, libtorch's autograd, and a target
//! reached through runner-style calls that can fail.

use gradwork::gradcheck::{gradcheck, random_input, Autograd, Differentiable, GradcheckOptions, HandWritten, Mode, Named};
use gradwork::submission::CallError;
use gradwork::suite::Failure;
use gradwork::value::{TensorData, Value};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::{Kind, Tensor};

/// Bugs planted in the hand-written MLP's backward.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bug {
    None,
    /// tanh' forgotten: the gradient passes through the activation unchanged.
    NoTanhDerivative,
    /// The bias gradient of the last layer with the wrong sign.
    NegatedBias,
    /// One entry of dW2 off by 0.5 per unit of loss cotangent.
    OneEntry,
    /// The weight gradient of the first layer transposed.
    TransposedW1,
    /// Gradients accumulated into a buffer that is never reset.
    Accumulates,
    /// A term that does not depend on the cotangent (e.g. a regulariser added in backward).
    ConstantTerm,
    /// Returns gradients for only some inputs.
    MissingGradient,
    /// Forward in float32.
    Float32Forward,
    /// Forward modifies its input in place.
    MutatesInput,
}

/// y = tanh(x W1ᵀ + b1) W2ᵀ + b2 and loss = ½ Σ y², with a hand-written vjp.
struct Mlp {
    bug: Bug,
    buffer: Option<Vec<Tensor>>,
}

impl Mlp {
    fn new(bug: Bug) -> Mlp {
        Mlp { bug, buffer: None }
    }

    fn hidden(t: &[Tensor]) -> Tensor {
        t[0].matmul(&t[1].tr()).g_add(&t[2]).tanh()
    }
}

impl Differentiable for Mlp {
    fn forward(&mut self, t: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        if self.bug == Bug::MutatesInput {
            let mut x = t[0].shallow_clone();
            let _ = x.relu_();
        }
        let y = Mlp::hidden(t).matmul(&t[3].tr()) + &t[4];
        let loss = y.square().sum(Kind::Double) * 0.5;
        if self.bug == Bug::Float32Forward {
            return Ok(vec![y.to_kind(Kind::Float), loss.to_kind(Kind::Float)]);
        }
        Ok(vec![y, loss])
    }

    fn vjp(&mut self, t: &[Tensor], g: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let h = Mlp::hidden(t);
        let y = h.matmul(&t[3].tr()) + &t[4];
        let gy = &g[0] + &y * &g[1];
        let gw2 = gy.tr().matmul(&h);
        if self.bug == Bug::OneEntry {
            let mut entry = gw2.get(1).get(2);
            let _ = entry.g_add_(&(&g[1] * 0.5));
        }
        let mut gb2 = gy.sum_dim_intlist(0, false, Kind::Double);
        if self.bug == Bug::NegatedBias {
            gb2 = -gb2;
        }
        let gh = gy.matmul(&t[3]);
        let gpre = if self.bug == Bug::NoTanhDerivative { gh } else { gh * (1.0 - h.square()) };
        let mut gw1 = gpre.tr().matmul(&t[0]);
        if self.bug == Bug::TransposedW1 {
            gw1 = gw1.tr();
        }
        let mut gb1 = gpre.sum_dim_intlist(0, false, Kind::Double);
        if self.bug == Bug::ConstantTerm {
            gb1 += 0.01;
        }
        let gx = gpre.matmul(&t[1]);
        let mut grads = vec![gx, gw1, gb1, gw2, gb2];
        if self.bug == Bug::MissingGradient {
            grads.truncate(4);
        }
        if self.bug == Bug::Accumulates {
            let total: Vec<Tensor> = match self.buffer.take() {
                Some(old) => old.iter().zip(&grads).map(|(a, b)| a + b).collect(),
                None => grads,
            };
            self.buffer = Some(total.iter().map(|t| t.copy()).collect());
            return Ok(total);
        }
        Ok(grads)
    }

    fn input_name(&self, i: usize) -> String {
        ["x", "W1", "b1", "W2", "b2"][i].to_string()
    }

    fn output_name(&self, i: usize) -> String {
        ["y", "loss"][i].to_string()
    }
}

/// x (3×2), W1 (4×2), b1 (4), W2 (2×4), b2 (2): a fixed point from a seed.
fn mlp_inputs(seed: u64) -> Vec<Tensor> {
    let mut rng = StdRng::seed_from_u64(seed);
    [&[3i64, 2][..], &[4, 2], &[4], &[2, 4], &[2]].iter().map(|s| random_input(&mut rng, s, 1e-3)).collect()
}

fn slow() -> GradcheckOptions {
    GradcheckOptions { mode: Mode::Slow, seed: 42, ..GradcheckOptions::default() }
}

fn fast() -> GradcheckOptions {
    GradcheckOptions { mode: Mode::Fast, seed: 42, ..GradcheckOptions::default() }
}

fn wrong(result: Result<gradwork::gradcheck::GradcheckReport, Failure>) -> String {
    match result {
        Err(Failure::Wrong(message)) => message,
        other => panic!("expected a wrong answer, got {other:?}"),
    }
}

#[test]
fn a_correct_hand_written_backward_passes_in_both_modes() {
    for options in [slow(), fast()] {
        let report = gradcheck(&mut Mlp::new(Bug::None), &mlp_inputs(1), &options).unwrap();
        assert!(report.max_error_ratio < 0.1, "{report:?}");
        assert!(report.notes.is_empty());
    }
}

#[test]
fn slow_mode_evaluates_twice_per_input_element_and_backward_once_per_output_element() {
    let report = gradcheck(&mut Mlp::new(Bug::None), &mlp_inputs(1), &slow()).unwrap();
    let input_elements = 6 + 8 + 4 + 8 + 2;
    let output_elements = 6 + 1;
    // base forward + three preliminary backward passes
    assert_eq!(report.evaluations, 1 + 3 + 2 * input_elements + output_elements);
}

#[test]
fn fast_mode_costs_two_evaluations_and_one_backward_per_probe() {
    let options = GradcheckOptions { probes: 4, ..fast() };
    let report = gradcheck(&mut Mlp::new(Bug::None), &mlp_inputs(1), &options).unwrap();
    // the first probe reuses a preliminary backward pass
    assert_eq!(report.evaluations, 1 + 3 + 4 * 2 + 3);
}

#[test]
fn fast_mode_on_a_loss_needs_no_backward_beyond_the_preliminary_ones() {
    // One output element: every cotangent is ±1, so one vjp serves every probe.
    let mut loss = Autograd { f: |t: &[Tensor]| vec![(t[0].matmul(&t[1]).tanh().sum(Kind::Double))] };
    let options = GradcheckOptions { probes: 4, ..fast() };
    let inputs = mlp_inputs(1);
    let report = gradcheck(&mut loss, &[inputs[0].shallow_clone(), inputs[1].tr().contiguous()], &options);
    assert_eq!(report.unwrap().evaluations, 1 + 3 + 4 * 2);
}

#[test]
fn a_missing_activation_derivative_is_named_at_its_worst_element() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::NoTanhDerivative), &mlp_inputs(1), &slow()));
    insta::assert_snapshot!(message);
}

#[test]
fn fast_mode_pins_the_same_bug_to_an_element() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::NoTanhDerivative), &mlp_inputs(1), &fast()));
    assert!(message.contains("Gradient check in fast mode"), "{message}");
    insta::assert_snapshot!(message);
}

#[test]
fn a_wrong_entry_in_a_large_block_is_found_by_bisection() {
    // 30 000 inputs: checking the block entry by entry would take 60 000
    // evaluations; bisection takes about 2·log₂(30 000) ≈ 30.
    let wrong_at = 12_345;
    let mut f = Named::new(
        HandWritten {
            forward: |t: &[Tensor]| -> Result<Vec<Tensor>, Failure> { Ok(vec![t[0].square().sum(Kind::Double) * 0.5]) },
            backward: move |t: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
                let grad = &t[0] * &g[0];
                let _ = grad.view([-1]).narrow(0, wrong_at, 1).g_add_(&(&g[0] * 2.0));
                Ok(vec![grad])
            },
        },
        &["weights"],
        &["loss"],
    );
    let x = random_input(&mut StdRng::seed_from_u64(8), &[100, 300], 1e-3);
    let options = GradcheckOptions { probes: 3, ..fast() };
    let message = wrong(gradcheck(&mut f, &[x], &options));
    assert!(message.starts_with("The derivative of `loss` with respect to `weights`[41, 45] is wrong"), "{message}");
    assert!(message.contains("has 30000 entries, too many to check one by one"), "{message}");
    assert!(message.contains("- difference: 2.00000"), "{message}");
    assert!(message.contains("bisecting that projection found this element"), "{message}");
}

#[test]
fn a_sign_error_is_diagnosed() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::NegatedBias), &mlp_inputs(1), &slow()));
    assert!(message.contains("with respect to `b2`"), "{message}");
    assert!(message.contains("opposite sign"), "{message}");
}

#[test]
fn one_wrong_jacobian_entry_is_found_and_named_in_both_modes() {
    for options in [slow(), fast()] {
        let message = wrong(gradcheck(&mut Mlp::new(Bug::OneEntry), &mlp_inputs(3), &options));
        assert!(message.contains("The derivative of `loss` with respect to `W2`[1, 2] is wrong"), "{message}");
        assert!(message.contains("it is the only one of the 8 entries of d `loss` / d `W2`"), "{message}");
        assert!(message.contains("seed 42"), "{message}");
    }
}

#[test]
fn a_transposed_gradient_is_a_shape_error() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::TransposedW1), &mlp_inputs(1), &fast()));
    insta::assert_snapshot!(message);
}

#[test]
fn accumulating_gradients_across_calls_is_caught_as_such() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::Accumulates), &mlp_inputs(1), &fast()));
    insta::assert_snapshot!(message);
}

#[test]
fn a_term_independent_of_the_cotangent_is_caught_by_the_zero_cotangent() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::ConstantTerm), &mlp_inputs(1), &fast()));
    insta::assert_snapshot!(message);
}

#[test]
fn one_gradient_per_input_is_required() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::MissingGradient), &mlp_inputs(1), &fast()));
    assert_eq!(
        message,
        "Backward returned 4 gradients, but the function has 5 inputs (`x`, `W1`, `b1`, `W2`, `b2`): return one \
         gradient per input, in the same order."
    );
}

#[test]
fn a_float32_forward_is_refused_with_advice() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::Float32Forward), &mlp_inputs(1), &fast()));
    assert!(message.starts_with("Forward returned `y` as float32, for float64 inputs."), "{message}");
    assert!(message.contains("`Kind::Double`"), "{message}");
}

#[test]
fn a_forward_that_modifies_its_input_is_caught() {
    let message = wrong(gradcheck(&mut Mlp::new(Bug::MutatesInput), &mlp_inputs(1), &fast()));
    assert!(message.starts_with("Forward modified its input `x` in place (`x`["), "{message}");
}

#[test]
fn float32_inputs_are_promoted_and_the_report_says_so() {
    let mut promoted = mlp_inputs(1);
    promoted[1] = promoted[1].to_kind(Kind::Float);
    let report = gradcheck(&mut Mlp::new(Bug::None), &promoted, &fast()).unwrap();
    assert_eq!(
        report.notes,
        ["Input `W1` was float32; the check promoted it to float64, since finite differences need double precision."]
    );
    let message = wrong(gradcheck(&mut Mlp::new(Bug::NegatedBias), &promoted, &slow()));
    assert!(message.ends_with("since finite differences need double precision."), "{message}");
}

#[test]
fn integer_inputs_are_the_graders_mistake() {
    let inputs = [Tensor::from_slice(&[1i64, 2])];
    let mut f = Autograd { f: |t: &[Tensor]| vec![t[0].to_kind(Kind::Double).sum(Kind::Double)] };
    let failure = gradcheck(&mut f, &inputs, &fast()).unwrap_err();
    assert_eq!(failure, Failure::Grader("input `input 0` is int64: gradient checks need floating-point inputs".into()));
}

#[test]
fn the_callers_tensors_are_never_modified() {
    let inputs = mlp_inputs(5);
    let before: Vec<Tensor> = inputs.iter().map(|t| t.copy()).collect();
    gradcheck(&mut Mlp::new(Bug::None), &inputs, &slow()).unwrap();
    for (a, b) in inputs.iter().zip(&before) {
        assert!(a.equal(b));
    }
}

#[test]
fn non_finite_outputs_are_reported_at_their_element() {
    let mut f = Named::new(Autograd { f: |t: &[Tensor]| vec![t[0].log()] }, &["p"], &["log_p"]);
    let x = Tensor::from_slice(&[0.5f64, 0.0, 2.0]);
    let message = wrong(gradcheck(&mut f, &[x], &fast()));
    assert!(message.starts_with("Forward returned -inf at `log_p`[1] for finite inputs"), "{message}");
}

/// The MLP through libtorch's autograd, with its parameters as inputs.
fn autograd_mlp() -> Named<Autograd<impl FnMut(&[Tensor]) -> Vec<Tensor>>> {
    let f = |t: &[Tensor]| {
        let y = t[0].linear(&t[1], Some(&t[2])).tanh().linear(&t[3], Some(&t[4]));
        let loss = y.square().sum(Kind::Double) * 0.5;
        vec![y, loss]
    };
    Named::new(Autograd { f }, &["x", "W1", "b1", "W2", "b2"], &["y", "loss"])
}

#[test]
fn autograd_targets_pass_and_agree_with_the_hand_written_one() {
    for options in [slow(), fast()] {
        let report = gradcheck(&mut autograd_mlp(), &mlp_inputs(2), &options).unwrap();
        assert!(report.max_error_ratio < 0.1, "{report:?}");
    }
}

#[test]
fn autograd_gives_zero_gradients_to_unused_inputs() {
    let mut f = Autograd { f: |t: &[Tensor]| vec![t[0].sin(), t[0].sum(Kind::Double)] };
    let inputs = [Tensor::from_slice(&[0.3f64, -0.2]), Tensor::from_slice(&[1.0f64])];
    assert!(gradcheck(&mut f, &inputs, &slow()).is_ok());
}

/// A target reached the way a grader reaches a student's autograd engine:
/// tensors travel as [`Value`]s through a call that can fail.
struct ThroughRunner<C> {
    call: C,
}

impl<C: FnMut(&str, Vec<Value>) -> Result<Vec<Value>, Failure>> ThroughRunner<C> {
    fn tensors(&mut self, function: &str, args: &[&[Tensor]]) -> Result<Vec<Tensor>, Failure> {
        let values = args.iter().flat_map(|ts| ts.iter()).map(Value::arg).collect();
        let out = (self.call)(function, values)?;
        out.into_iter()
            .map(|v| match v {
                Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("unreadable tensor: {e}"))),
                other => Err(Failure::Grader(format!("{function} returned {}", other.type_name()))),
            })
            .collect()
    }
}

impl<C: FnMut(&str, Vec<Value>) -> Result<Vec<Value>, Failure>> Differentiable for ThroughRunner<C> {
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        self.tensors("forward", &[inputs])
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        self.tensors("backward", &[inputs, cotangents])
    }
}

/// A call into the runner, as `ctx.call` makes it.
type Call = Box<dyn FnMut(&str, Vec<Value>) -> Result<Vec<Value>, Failure>>;

/// The "student's engine": the hand-written MLP behind a value interface,
/// which panics (as a `CallError`) after `fail_after` calls.
fn runner(bug: Bug, fail_after: usize) -> ThroughRunner<Call> {
    let mut mlp = Mlp::new(bug);
    let mut calls = 0;
    let call = move |function: &str, args: Vec<Value>| -> Result<Vec<Value>, Failure> {
        calls += 1;
        if calls > fail_after {
            let error = CallError::Panicked { message: "index out of bounds".into(), location: Some("src/engine.rs:12:9".into()) };
            return Err(Failure::Call { call: format!("{function}(…)"), error });
        }
        let tensors: Vec<Tensor> = args
            .iter()
            .map(|v| match v {
                Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::Grader(e.to_string())),
                _ => Err(Failure::Grader("not a tensor".into())),
            })
            .collect::<Result<_, _>>()?;
        let out = match function {
            "forward" => mlp.forward(&tensors)?,
            _ => mlp.vjp(&tensors[..5], &tensors[5..])?,
        };
        Ok(out.iter().map(|t| Value::Tensor(TensorData::from_tensor(t).unwrap())).collect())
    };
    ThroughRunner { call: Box::new(call) }
}

#[test]
fn a_target_behind_runner_calls_is_checked_like_any_other() {
    assert!(gradcheck(&mut runner(Bug::None, usize::MAX), &mlp_inputs(4), &slow()).is_ok());
    let message = wrong(gradcheck(&mut runner(Bug::OneEntry, usize::MAX), &mlp_inputs(4), &fast()));
    assert!(message.contains("The derivative of `output 1` with respect to `input 3`[1, 2] is wrong"), "{message}");
}

#[test]
fn a_failing_call_passes_through_unchanged() {
    let failure = gradcheck(&mut runner(Bug::None, 6), &mlp_inputs(4), &slow()).unwrap_err();
    let Failure::Call { call, error } = failure else { panic!("expected the call's failure, got {failure:?}") };
    assert_eq!(call, "forward(…)");
    assert!(matches!(error, CallError::Panicked { .. }));
}

#[test]
fn hand_written_closures_and_empty_inputs_work() {
    let mut f = HandWritten {
        forward: |t: &[Tensor]| -> Result<Vec<Tensor>, Failure> { Ok(vec![t[0].exp(), t[1].square().sum(Kind::Double)]) },
        backward: |t: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
            Ok(vec![t[0].exp() * &g[0], &t[1] * 2.0 * &g[1]])
        },
    };
    let empty = Tensor::zeros([0, 3], (Kind::Double, tch::Device::Cpu));
    let x = Tensor::from_slice(&[0.5f64, -1.5]);
    assert!(gradcheck(&mut f, &[empty.shallow_clone(), x.shallow_clone()], &slow()).is_ok());
    assert!(gradcheck(&mut f, &[empty, x], &fast()).is_ok());
}

#[test]
fn bad_options_are_the_graders_mistake() {
    let options = GradcheckOptions { eps: 0.0, ..GradcheckOptions::default() };
    let failure = gradcheck(&mut Mlp::new(Bug::None), &mlp_inputs(1), &options).unwrap_err();
    assert!(matches!(failure, Failure::Grader(_)), "{failure:?}");
}

#[test]
fn random_inputs_keep_their_margin_and_follow_the_seed() {
    let draw = |seed| random_input(&mut StdRng::seed_from_u64(seed), &[2, 3, 4], 0.25);
    let x = draw(9);
    assert_eq!(x.size(), [2, 3, 4]);
    assert!(x.abs().min().double_value(&[]) >= 0.25);
    assert!(x.abs().max().double_value(&[]) < 2.25);
    assert!(x.equal(&draw(9)));
    assert!(!x.equal(&draw(10)));
    assert_eq!(random_input(&mut StdRng::seed_from_u64(0), &[], 0.1).size(), Vec::<i64>::new());
}
