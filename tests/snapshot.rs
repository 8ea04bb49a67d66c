//! The snapshot helper: renderings are stable under last-bit noise, change
//! when a value moves by more than the tolerance, and go through insta.

use gradwork::assert_rounded_snapshot;
use gradwork::compare::Tolerance;
use gradwork::snapshot::{render_rounded, round_numbers, round_to_tolerance};
use tch::{Kind, Tensor};

const TOL: Tolerance = Tolerance { rtol: 1e-3, atol: 1e-5 };

#[test]
fn last_bit_noise_never_changes_a_rendering() {
    let x = (Tensor::arange(24, (Kind::Double, tch::Device::Cpu)).view([2, 3, 4]) * 0.37 - 4.0).sin() * 10.0;
    let base = render_rounded(&x, TOL);
    for noise in [1e-15, -1e-15, 1e-12, -1e-12] {
        assert_eq!(render_rounded(&(&x * (1.0 + noise)), TOL), base);
    }
    // The same values computed in float32 render the same at a float32-sized tolerance.
    let loose = Tolerance { rtol: 1e-3, atol: 1e-3 };
    let single = render_rounded(&x.to_kind(Kind::Float), loose);
    assert_eq!(single.lines().skip(1).collect::<Vec<_>>(), render_rounded(&x, loose).lines().skip(1).collect::<Vec<_>>());
}

#[test]
fn a_change_beyond_the_tolerance_shows() {
    let x = Tensor::from_slice(&[1.0f64, 2.0, 3.0]);
    let moved = Tensor::from_slice(&[1.0f64, 2.01, 3.0]);
    assert_ne!(render_rounded(&x, TOL), render_rounded(&moved, TOL));
}

#[test]
fn every_kind_of_tensor_renders() {
    let cases = [
        Tensor::from(std::f64::consts::PI),
        Tensor::from_slice(&[f64::NAN, f64::INFINITY, -0.0, -1e-9, 12345.678]),
        Tensor::from_slice(&[true, false]),
        Tensor::from_slice(&[-3i64, 40]).view([1, 2]),
        Tensor::zeros([2, 0, 3], (Kind::Float, tch::Device::Cpu)),
        Tensor::arange(8, (Kind::Double, tch::Device::Cpu)).view([2, 2, 2]) / 3.0,
    ];
    let text: String = cases.iter().map(|t| render_rounded(t, TOL)).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(text);
}

#[test]
fn the_macro_snapshots_a_rounded_tensor() {
    let probabilities = Tensor::from_slice(&[1.0f64, 2.0, 3.0]).softmax(0, Kind::Double);
    assert_rounded_snapshot!("softmax_of_1_2_3", probabilities, TOL);
    assert_rounded_snapshot!(probabilities, Tolerance { rtol: 0.0, atol: 1e-2 }, @r"
    tensor [3] f64
    [0] 0.09
    [1] 0.24
    [2] 0.67
    ");
}

#[test]
fn numbers_in_printed_reports_are_rounded_and_words_are_not() {
    let summary = "Linear(in=784, out=256) params 200960\nepoch 2: loss 0.693147180559945, acc 0.51171875 (-1.5e-7 drift)\nv2.13.0 conv1.weight";
    let rounded = round_numbers(summary, TOL);
    assert_eq!(
        rounded,
        "Linear(in=784, out=256) params 200960\nepoch 2: loss 0.6931, acc 0.5117 (0 drift)\nv2.13.0 conv1.weight"
    );
    assert_eq!(round_to_tolerance(0.00001234, Tolerance::EXACT), "1.234e-5");
}
