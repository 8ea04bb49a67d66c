//! Property tests of the comparison and of gradcheck over random shapes (0-d
//! to 4-d, with size-1 and size-0 dimensions) and non-contiguous layouts
//! (transposed, sliced, expanded): a correct answer always passes, and one
//! perturbed element always fails and is named at that element. The runs are
//! deterministic (a fixed proptest seed) and modest (64 cases each).

use gradwork::compare::{compare_tensors, unravel, CompareOptions, Mismatch};
use gradwork::gradcheck::{gradcheck, GradcheckOptions, HandWritten, Mode, Named};
use gradwork::suite::Failure;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use tch::{Kind, Tensor};

fn config() -> Config {
    Config { cases: 64, rng_seed: RngSeed::Fixed(20261101), failure_persistence: None, ..Config::default() }
}

/// How a tensor's memory is laid out.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Contiguous,
    /// The last two dimensions swapped in memory.
    Transposed,
    /// Every other row of a tensor twice as long in dimension 0.
    Sliced,
    /// Dimension 0 broadcast from size 1 (stride 0).
    Expanded,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![Just(Layout::Contiguous), Just(Layout::Transposed), Just(Layout::Sliced), Just(Layout::Expanded)]
}

fn shape() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(0i64..=3, 0..=4)
}

/// Values in (−2, −0.1] ∪ [0.1, 2) from a seed, deterministic.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
            let magnitude = 0.1 + 1.9 * u;
            if state & 1 == 0 { magnitude } else { -magnitude }
        })
        .collect()
}

/// A tensor of `shape` and `kind` laid out as asked (falling back to
/// contiguous where the layout needs dimensions the shape lacks).
fn build(shape: &[i64], kind: Kind, layout: Layout, seed: u64) -> Tensor {
    let from = |s: &[i64]| {
        let n = s.iter().product::<i64>() as usize;
        Tensor::from_slice(&values(n, seed)).to_kind(kind).view(s)
    };
    match layout {
        Layout::Transposed if shape.len() >= 2 => {
            let mut swapped = shape.to_vec();
            let d = swapped.len();
            swapped.swap(d - 1, d - 2);
            from(&swapped).transpose(-1, -2)
        }
        Layout::Sliced if !shape.is_empty() => {
            let mut longer = shape.to_vec();
            longer[0] *= 2;
            from(&longer).slice(0, 0, None, 2)
        }
        Layout::Expanded if !shape.is_empty() => {
            let mut one = shape.to_vec();
            one[0] = 1;
            from(&one).expand(shape, false)
        }
        _ => from(shape),
    }
}

/// A contiguous copy with element `flat` moved well outside any tolerance.
fn perturbed(t: &Tensor, flat: usize) -> Tensor {
    let copy = t.contiguous().copy();
    let mut element = copy.view([-1]).narrow(0, flat as i64, 1);
    let old = element.double_value(&[0]);
    let _ = element.fill_(old + 1.0 + old.abs());
    copy
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compare_accepts_equal_tensors_and_names_the_one_perturbed_element(
        shape in shape(),
        layout in layout(),
        double in any::<bool>(),
        seed in any::<u64>(),
        pick in 0.0f64..1.0,
    ) {
        let kind = if double { Kind::Double } else { Kind::Float };
        let a = build(&shape, kind, layout, seed);
        prop_assert_eq!(a.size(), shape.clone());
        let options = CompareOptions::default();
        prop_assert!(compare_tensors(&a, &a.copy(), &options).is_ok());
        prop_assert!(compare_tensors(&a.contiguous(), &a, &options).is_ok());
        let numel = a.numel();
        if numel > 0 {
            let flat = ((pick * numel as f64) as usize).min(numel - 1);
            let b = perturbed(&a, flat);
            match compare_tensors(&a, &b, &options) {
                Err(Mismatch::Values(v)) => {
                    prop_assert_eq!(v.mismatched, 1);
                    prop_assert_eq!(v.total, numel);
                    prop_assert_eq!(&v.first.0, &unravel(flat, &shape));
                    prop_assert_eq!(&v.max_abs.1, &unravel(flat, &shape));
                }
                other => prop_assert!(false, "expected a value mismatch, got {:?}", other),
            }
        }
    }

    #[test]
    fn gradcheck_passes_a_correct_backward_and_names_one_wrong_jacobian_entry(
        shape in shape(),
        layout in layout(),
        slow in any::<bool>(),
        seed in any::<u64>(),
        pick_out in 0.0f64..1.0,
        pick_in in 0.0f64..1.0,
    ) {
        let x = build(&shape, Kind::Double, layout, seed);
        let numel = x.numel();
        let mode = if slow { Mode::Slow } else { Mode::Fast };
        let options = GradcheckOptions { mode, seed, ..GradcheckOptions::default() };
        // y = 2 sin x + x²/2 (elementwise) and s = Σ x³, with backward
        // g_y (2 cos x + x) + 3 g_s x², plus `delta` on one Jacobian entry
        // d y[m] / d x[j] when asked.
        let target = |entry: Option<(usize, usize)>| {
            let forward = |t: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
                Ok(vec![t[0].sin() * 2.0 + t[0].square() * 0.5, t[0].pow_tensor_scalar(3).sum(Kind::Double)])
            };
            let backward = move |t: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
                let grad = &g[0] * (t[0].cos() * 2.0 + &t[0]) + &g[1] * t[0].square() * 3.0;
                if let Some((m, j)) = entry {
                    let cot = g[0].reshape([-1]).double_value(&[m as i64]);
                    let grad = grad.contiguous();
                    let mut e = grad.view([-1]).narrow(0, j as i64, 1);
                    let _ = e.g_add_scalar_(1e3 * cot);
                    return Ok(vec![grad]);
                }
                Ok(vec![grad])
            };
            Named::new(HandWritten { forward, backward }, &["x"], &["y", "s"])
        };
        let report = gradcheck(&mut target(None), &[x.shallow_clone()], &options);
        prop_assert!(report.is_ok(), "{:?}", report);
        if numel > 0 {
            let m = ((pick_out * numel as f64) as usize).min(numel - 1);
            let j = ((pick_in * numel as f64) as usize).min(numel - 1);
            match gradcheck(&mut target(Some((m, j))), &[x.shallow_clone()], &options) {
                Err(Failure::Wrong(message)) => {
                    let name = |t: &str, flat: usize| {
                        if shape.is_empty() {
                            format!("`{t}`")
                        } else {
                            let index = unravel(flat, &shape).iter().map(|i| i.to_string()).collect::<Vec<_>>();
                            format!("`{t}`[{}]", index.join(", "))
                        }
                    };
                    let expected = format!("The derivative of {} with respect to {} is wrong", name("y", m), name("x", j));
                    prop_assert!(message.starts_with(&expected), "expected `{}`, got:\n{}", expected, message);
                    let only = format!("it is the only one of the {} entries", numel * numel);
                    prop_assert!(numel == 1 || message.contains(&only), "{}", message);
                }
                other => prop_assert!(false, "expected a wrong gradient, got {:?}", other),
            }
        }
    }
}
