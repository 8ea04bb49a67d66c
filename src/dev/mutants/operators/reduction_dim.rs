//! `reduction-dim`: a reduction, or another op that takes a dim, over the
//! wrong dim. A literal dim is moved to its neighbour (1 ↔ 0, −1 ↔ −2, k → k−1),
//! a dim that exists whenever the original one does on a tensor of two or
//! more dims, so the mutant usually runs and gives a wrong answer (or a wrong
//! shape) rather than an error.

use super::{int_literal, Cx, Edit, Operator};

/// See the module docs.
pub struct ReductionDim;

/// Methods and the index of their dim argument.
const METHODS: &[(&str, usize)] = &[
    ("sum_dim_intlist", 0),
    ("mean_dim", 0),
    ("amax", 0),
    ("amin", 0),
    ("max_dim", 0),
    ("min_dim", 0),
    ("argmax", 0),
    ("argmin", 0),
    ("logsumexp", 0),
    ("softmax", 0),
    ("log_softmax", 0),
    ("cumsum", 0),
    ("cumprod", 0),
    ("var_dim", 0),
    ("std_dim", 0),
    ("norm_scalaropt_dim", 1),
    ("squeeze_dim", 0),
    ("unsqueeze", 0),
    ("index_select", 0),
    ("gather", 0),
    ("narrow", 0),
    ("select", 0),
    ("cat", 1),
    ("stack", 1),
];

/// Functions (`Tensor::cat(&[a, b], 1)`) and the index of their dim argument.
const FUNCTIONS: &[(&str, usize)] = &[("cat", 1), ("stack", 1), ("concat", 1), ("concatenate", 1)];

/// The neighbouring dim of `d`.
pub(crate) fn other_dim(d: i128) -> i128 {
    match d {
        0 => 1,
        1 => 0,
        -1 => -2,
        -2 => -1,
        d if d > 1 => d - 1,
        d => d + 1,
    }
}

/// Edits moving every literal dim inside `arg` (`1`, `-1`, `Some(1)`, `[1].as_slice()`).
fn dims_in(arg: &syn::Expr, method: &str, cx: &Cx, out: &mut Vec<Edit>) {
    struct Literals<'a>(Vec<&'a syn::Expr>);
    impl<'a> syn::visit::Visit<'a> for Literals<'a> {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            if int_literal(e).is_some() && !matches!(e, syn::Expr::Paren(_)) {
                self.0.push(e);
            } else {
                syn::visit::visit_expr(self, e);
            }
        }
    }
    let mut found = Literals(Vec::new());
    syn::visit::Visit::visit_expr(&mut found, arg);
    for lit in found.0 {
        let Some((d, suffix)) = int_literal(lit) else { continue };
        let to = other_dim(d);
        let description = format!("{method} over dim {to} instead of {d}");
        out.extend(cx.replace(lit, format!("{to}{suffix}"), description));
    }
}

impl Operator for ReductionDim {
    fn id(&self) -> &'static str {
        "reduction-dim"
    }

    fn expr(&self, expr: &syn::Expr, cx: &Cx, out: &mut Vec<Edit>) {
        let (name, args) = match expr {
            syn::Expr::MethodCall(call) => (call.method.to_string(), &call.args),
            syn::Expr::Call(call) => match &*call.func {
                syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                    let name = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                    if !FUNCTIONS.iter().any(|(f, _)| *f == name) {
                        return;
                    }
                    (name, &call.args)
                }
                _ => return,
            },
            _ => return,
        };
        let (_, bare) = super::bare_method(&name);
        let table = if matches!(expr, syn::Expr::Call(_)) { FUNCTIONS } else { METHODS };
        let Some((_, at)) = table.iter().find(|(m, _)| *m == bare) else { return };
        if let Some(arg) = args.iter().nth(*at) {
            let verb = if matches!(bare, "sum_dim_intlist" | "mean_dim" | "amax" | "amin" | "max_dim" | "min_dim" | "logsumexp" | "var_dim" | "std_dim") {
                "reduce".to_string()
            } else {
                format!("`{bare}`")
            };
            dims_in(arg, &verb, cx, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{changed, mutate};
    use super::*;

    #[test]
    fn neighbours() {
        assert_eq!([0, 1, 2, 3, -1, -2, -3].map(other_dim), [1, 0, 1, 2, -2, -1, -2]);
    }

    #[test]
    fn moves_every_literal_dim_of_a_dim_taking_op() {
        let source = "fn f(x: &Tensor, i: &Tensor) -> Tensor {\n\
            let a = x.sum_dim_intlist(-1, false, None);\n\
            let b = x.mean_dim([1i64].as_slice(), true, Kind::Float);\n\
            let c = x.argmax(Some(0), false);\n\
            let d = Tensor::cat(&[&a, &b], 1);\n\
            let e = x.index_select(0, i).softmax(1, None);\n\
            let g = x.view([2, 3]).reshape([-1]);\n\
            e\n}\n";
        let found: Vec<(String, String)> = mutate(&ReductionDim, source).into_iter().map(|(n, m)| (n, changed(source, &m))).collect();
        let lines: Vec<&str> = found.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            lines,
            [
                "let a = x.sum_dim_intlist(-2, false, None);",
                "let b = x.mean_dim([0i64].as_slice(), true, Kind::Float);",
                "let c = x.argmax(Some(1), false);",
                "let d = Tensor::cat(&[&a, &b], 0);",
                "let e = x.index_select(0, i).softmax(0, None);",
                "let e = x.index_select(1, i).softmax(1, None);",
            ],
            "view and reshape take sizes, not dims"
        );
        assert_eq!(found[0].0, "src/lib.rs:2:27: reduce over dim -2 instead of -1 in f");
        assert_eq!(found[3].0, "src/lib.rs:5:32: `cat` over dim 0 instead of 1 in f");
    }
}
