//! The comparison messages a student reads, one per kind of mismatch.

use gradwork::compare::{compare_scalar, compare_tensors, CompareOptions, Mismatch, Tolerance};
use tch::{Kind, Tensor};

fn message(expected: &Tensor, actual: &Tensor) -> String {
    compare_tensors(expected, actual, &CompareOptions::default()).expect_err("tensors differ").to_string()
}

#[test]
fn equal_tensors_pass_in_every_dtype() {
    for kind in [Kind::Float, Kind::Double, Kind::Int64, Kind::Int, Kind::Bool, Kind::Half, Kind::BFloat16, Kind::Uint8] {
        let t = Tensor::arange(6, (Kind::Int64, tch::Device::Cpu)).remainder(2).to_kind(kind).view([2, 3]);
        assert!(compare_tensors(&t, &t.copy(), &CompareOptions::default()).is_ok(), "{kind:?}");
    }
}

#[test]
fn differences_within_the_dtype_tolerance_pass() {
    let a = Tensor::from_slice(&[1.0f32, 100.0]);
    let b = &a + Tensor::from_slice(&[5e-6f32, 1e-4]); // atol 1e-5, rtol 1.3e-6 * 100
    assert!(compare_tensors(&a, &b, &CompareOptions::default()).is_ok());
    let c = &a + 3e-5;
    assert!(compare_tensors(&a, &c, &CompareOptions::default()).is_err());
}

#[test]
fn shape_mismatch_is_named_first_with_a_hint() {
    let e = Tensor::zeros([2, 3], (Kind::Float, tch::Device::Cpu));
    insta::assert_snapshot!(message(&e, &e.transpose(0, 1)), @"The shape is wrong: expected [2, 3], got [3, 2]. It looks transposed: check which index is the row.");
    insta::assert_snapshot!(message(&e, &e.view([1, 2, 3])), @"The shape is wrong: expected [2, 3], got [1, 2, 3]. Only dimensions of size 1 differ: check `unsqueeze`/`squeeze`/`view`.");
    insta::assert_snapshot!(message(&e, &e.view([6])), @"The shape is wrong: expected [2, 3], got [6]. The element count is right: check `reshape`/`view`.");
}

#[test]
fn dtype_mismatch_says_how_to_convert() {
    let e = Tensor::zeros([2], (Kind::Int64, tch::Device::Cpu));
    insta::assert_snapshot!(message(&e, &e.to_kind(Kind::Float)), @"The element type is wrong: expected i64, got f32. Convert with `.to_kind(Kind::Int64)`, or create the tensor with that kind.");
}

#[test]
fn value_mismatch_reports_count_index_and_a_diff() {
    let e = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0]).view([2, 2]);
    let a = Tensor::from_slice(&[1.0f64, 2.5, 3.0, 4.0]).view([2, 2]);
    insta::assert_snapshot!(message(&e, &a));
}

#[test]
fn a_difference_hidden_by_rounding_shows_full_digits() {
    let e = Tensor::from_slice(&[1.0f64, 2.0]);
    let a = Tensor::from_slice(&[1.0f64, 2.000001]);
    insta::assert_snapshot!(message(&e, &a));
}

#[test]
fn nan_and_infinity_never_match_a_number() {
    let e = Tensor::from_slice(&[1.0f64, f64::INFINITY, 3.0]);
    let a = Tensor::from_slice(&[1.0f64, f64::INFINITY, f64::NAN]);
    insta::assert_snapshot!(message(&e, &a));
    let neg = Tensor::from_slice(&[1.0f64, f64::NEG_INFINITY, 3.0]);
    assert!(compare_tensors(&e, &neg, &CompareOptions::default()).is_err());
}

#[test]
fn large_tensors_get_statistics_but_no_dump() {
    let e = Tensor::zeros([100, 100], (Kind::Float, tch::Device::Cpu));
    let a = e.copy();
    let _ = a.get(42).get(7).fill_(1.0);
    let text = message(&e, &a);
    assert!(text.contains("Mismatched elements: 1 / 10000 (0.0%)"), "{text}");
    assert!(text.contains("at index (42, 7)"), "{text}");
    assert!(!text.contains("```diff"), "no diff for 10 000 elements: {text}");
    assert!(text.len() < 1000, "message stays short: {} bytes", text.len());
}

#[test]
fn non_contiguous_inputs_compare_by_logical_index() {
    let base = Tensor::arange(12, (Kind::Double, tch::Device::Cpu)).view([3, 4]);
    let t = base.transpose(0, 1); // (4, 3), not contiguous
    let expected = t.contiguous();
    assert!(compare_tensors(&expected, &t, &CompareOptions::default()).is_ok());
    let wrong = t.copy();
    let _ = wrong.get(3).get(1).fill_(-1.0);
    match compare_tensors(&expected, &wrong, &CompareOptions::default()) {
        Err(Mismatch::Values(v)) => assert_eq!(v.first.0, vec![3, 1]),
        other => panic!("expected a value mismatch, got {other:?}"),
    }
}

#[test]
fn rubric_tolerance_overrides_the_default() {
    let e = Tensor::from_slice(&[1.0f64]);
    let a = Tensor::from_slice(&[1.001f64]);
    assert!(compare_tensors(&e, &a, &CompareOptions::default()).is_err());
    assert!(compare_tensors(&e, &a, &CompareOptions::with_tolerance(Tolerance { rtol: 1e-2, atol: 0.0 })).is_ok());
}

#[test]
fn scalars_compare_with_a_message() {
    assert!(compare_scalar("dy/dx", 24.0, 24.0, Tolerance::for_dtype(gradwork::value::DType::F64)).is_ok());
    insta::assert_snapshot!(compare_scalar("dy/dx", 24.0, 25.5, Tolerance { rtol: 1e-7, atol: 1e-7 }).unwrap_err(), @"dy/dx: expected 24, got 25.5 (difference 1.5, up to 2.500e-6 allowed)");
}
