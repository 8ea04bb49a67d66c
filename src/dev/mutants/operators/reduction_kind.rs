//! `reduction-kind`: a reduction of another kind. Sum for mean, max for min,
//! argmax for argmin, softmax for log-softmax, and a loss's
//! `Reduction::Mean` for `Reduction::Sum`: the swapped method takes the same
//! arguments, so the mutant compiles and only its values are wrong.

use super::{bare_method, Cx, Edit, Operator};

/// See the module docs.
pub struct ReductionKind;

/// (method, its swap, the argument count it must have, if that matters).
/// `sum`/`mean` need libtorch's one (dtype) argument: an iterator's `.sum()`
/// has none, and has no `.mean()`.
const SWAPS: &[(&str, &str, Option<usize>)] = &[
    ("sum", "mean", Some(1)),
    ("mean", "sum", Some(1)),
    ("sum_dim_intlist", "mean_dim", None),
    ("mean_dim", "sum_dim_intlist", None),
    ("amax", "amin", None),
    ("amin", "amax", None),
    ("max", "min", None),
    ("min", "max", None),
    ("max_dim", "min_dim", None),
    ("min_dim", "max_dim", None),
    ("argmax", "argmin", None),
    ("argmin", "argmax", None),
    ("softmax", "log_softmax", None),
    ("log_softmax", "softmax", None),
];

fn words(method: &str) -> &str {
    match method {
        "sum" | "sum_dim_intlist" => "sum",
        "mean" | "mean_dim" => "mean",
        "amax" | "max_dim" => "max",
        "amin" | "min_dim" => "min",
        other => other,
    }
}

impl Operator for ReductionKind {
    fn id(&self) -> &'static str {
        "reduction-kind"
    }

    fn expr(&self, expr: &syn::Expr, cx: &Cx, out: &mut Vec<Edit>) {
        match expr {
            syn::Expr::MethodCall(call) => {
                let name = call.method.to_string();
                let (prefix, bare) = bare_method(&name);
                let Some((_, swap, arity)) = SWAPS.iter().find(|(m, _, _)| *m == bare) else { return };
                if arity.is_some_and(|n| n != call.args.len()) {
                    return;
                }
                let description = format!("reduce with {} instead of {}", words(swap), words(bare));
                out.extend(cx.replace(&call.method, format!("{prefix}{swap}"), description));
            }
            // `Reduction::Mean` ↔ `Reduction::Sum`, a loss's reduction.
            syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                let segments: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
                if segments[segments.len() - 2].ident != "Reduction" {
                    return;
                }
                let last = &segments[segments.len() - 1].ident;
                let swap = match last.to_string().as_str() {
                    "Mean" => "Sum",
                    "Sum" => "Mean",
                    _ => return,
                };
                out.extend(cx.replace(last, swap, format!("reduce the loss with Reduction::{swap} instead of Reduction::{last}")));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{changed, mutate};
    use super::*;

    #[test]
    fn swaps_reductions_of_the_same_signature() {
        let source = "fn f(x: &Tensor, v: &[f64]) -> f64 {\n\
            let a = x.sum(Kind::Float);\n\
            let b = x.f_mean_dim(-1, false, None).unwrap();\n\
            let c = x.argmax(1, false);\n\
            let d = x.log_softmax(-1, Kind::Float);\n\
            let l = x.mse_loss(&a, Reduction::Mean);\n\
            let s: f64 = v.iter().sum();\n\
            let m = v.iter().cloned().fold(0.0, f64::max).max(1.0);\n\
            s\n}\n";
        let found: Vec<(String, String)> = mutate(&ReductionKind, source).into_iter().map(|(n, m)| (n, changed(source, &m))).collect();
        let lines: Vec<&str> = found.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            lines,
            [
                "let a = x.mean(Kind::Float);",
                "let b = x.f_sum_dim_intlist(-1, false, None).unwrap();",
                "let c = x.argmin(1, false);",
                "let d = x.softmax(-1, Kind::Float);",
                "let l = x.mse_loss(&a, Reduction::Sum);",
                "let m = v.iter().cloned().fold(0.0, f64::max).min(1.0);",
            ],
            "an iterator's `.sum()` is left alone"
        );
        assert_eq!(found[0].0, "src/lib.rs:2:11: reduce with mean instead of sum in f");
        assert_eq!(found[4].0, "src/lib.rs:6:35: reduce the loss with Reduction::Sum instead of Reduction::Mean in f");
    }
}
