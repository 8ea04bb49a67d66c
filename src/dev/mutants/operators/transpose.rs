//! `transpose`: a transpose dropped (`w.t()` → `w`), or added to the right
//! operand of a matrix product (`x.matmul(&w)` → `x.matmul(&w.transpose(-2, -1))`).
//! On square matrices both still run, with wrong values.

use super::{is_postfix, Cx, Edit, Operator};

/// See the module docs.
pub struct Transpose;

impl Operator for Transpose {
    fn id(&self) -> &'static str {
        "transpose"
    }

    fn expr(&self, expr: &syn::Expr, cx: &Cx, out: &mut Vec<Edit>) {
        let syn::Expr::MethodCall(call) = expr else { return };
        let method = call.method.to_string();
        let drops = match method.as_str() {
            "t" | "tr" | "t_" | "mT" => call.args.is_empty(),
            "transpose" | "transpose_" | "swapaxes" => call.args.len() == 2,
            _ => false,
        };
        if drops {
            if let Some(receiver) = cx.text(&*call.receiver) {
                out.extend(cx.replace(expr, receiver, format!("drop `.{method}(…)`")));
            }
            return;
        }
        if matches!(method.as_str(), "matmul" | "mm" | "bmm") && call.args.len() == 1 {
            let Some(arg) = call.args.first() else { return };
            let operand = match arg {
                syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
                other => other,
            };
            let Some(text) = cx.text(operand) else { return };
            let inner = if is_postfix(operand) { text.to_string() } else { format!("({text})") };
            out.extend(cx.replace(arg, format!("&{inner}.transpose(-2, -1)"), format!("transpose the right operand of `{method}`")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{changed, mutate};
    use super::*;

    #[test]
    fn drops_and_adds_transposes() {
        let source = "fn f(x: &Tensor, w: &Tensor) -> Tensor {\n\
            let a = x.matmul(&w.t());\n\
            let b = x.transpose(0, 1).mm(w);\n\
            let c = (x + 1).bmm(&(w * 2));\n\
            c\n}\n";
        let lines: Vec<String> = mutate(&Transpose, source).into_iter().map(|(_, m)| changed(source, &m)).collect();
        assert_eq!(
            lines,
            [
                "let a = x.matmul(&w.t().transpose(-2, -1));",
                "let a = x.matmul(&w);",
                "let b = x.transpose(0, 1).mm(&w.transpose(-2, -1));",
                "let b = x.mm(w);",
                "let c = (x + 1).bmm(&(w * 2).transpose(-2, -1));",
            ]
        );
    }
}
