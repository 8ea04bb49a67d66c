//! `flip-bool`: a boolean argument flipped: `keepdim`, `train` in
//! `forward_t`, `requires_grad`, a config field such as `bias: false`.
//! Arguments that change no value are left alone: `expand`'s `implicit`
//! only marks the expansion for tracing, and `gather`'s `sparse_grad` only
//! how the gradient is stored.

use super::{Cx, Edit, Operator};

/// See the module docs.
pub struct FlipBool;

/// Methods whose boolean argument at this index changes no value.
const INERT: &[(&str, usize)] = &[("expand", 1), ("gather", 2)];

fn flip(e: &syn::Expr, whose: &str, cx: &Cx, out: &mut Vec<Edit>) {
    if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) = e {
        let (from, to) = if b.value { ("true", "false") } else { ("false", "true") };
        out.extend(cx.replace(e, to, format!("replace {from} with {to} in {whose}")));
    }
}

impl Operator for FlipBool {
    fn id(&self) -> &'static str {
        "flip-bool"
    }

    fn expr(&self, expr: &syn::Expr, cx: &Cx, out: &mut Vec<Edit>) {
        match expr {
            syn::Expr::MethodCall(call) => {
                let whose = format!("the arguments of {}", call.method);
                let inert = INERT.iter().find(|(m, _)| call.method == m).map(|(_, i)| *i);
                call.args.iter().enumerate().filter(|(i, _)| Some(*i) != inert).for_each(|(_, a)| flip(a, &whose, cx, out));
            }
            syn::Expr::Call(call) => {
                let name = match &*call.func {
                    syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
                    _ => "a call".into(),
                };
                let whose = format!("the arguments of {name}");
                call.args.iter().for_each(|a| flip(a, &whose, cx, out));
            }
            syn::Expr::Struct(s) => {
                for field in &s.fields {
                    if let syn::Member::Named(name) = &field.member {
                        flip(&field.expr, &format!("field {name}"), cx, out);
                    }
                }
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
    fn flips_boolean_arguments_and_fields() {
        let source = "fn f(x: &Tensor, m: &impl ModuleT) -> Tensor {\n\
            let c = ConvConfig { bias: false, ..Default::default() };\n\
            let y = m.forward_t(x, true).sum_dim_intlist(-1, false, None);\n\
            let ok = x.numel() > 0 && true;\n\
            let r = x.expand([2, 3], false).gather(1, i, false);\n\
            set(true)\n}\n";
        let found = mutate(&FlipBool, source);
        let lines: Vec<String> = found.iter().map(|(_, m)| changed(source, m)).collect();
        assert_eq!(
            lines,
            [
                "let c = ConvConfig { bias: true, ..Default::default() };",
                "let y = m.forward_t(x, true).sum_dim_intlist(-1, true, None);",
                "let y = m.forward_t(x, false).sum_dim_intlist(-1, false, None);",
                "set(false)",
            ],
            "only arguments and fields: `&& true` is left to cargo-mutants; `expand`'s `implicit` changes nothing"
        );
        assert_eq!(found[2].0, "src/lib.rs:3:24: replace true with false in the arguments of forward_t in f");
        assert!(!found.iter().any(|(n, _)| n.contains("expand") || n.contains("gather")), "`implicit` and `sparse_grad` change no value");
    }
}
