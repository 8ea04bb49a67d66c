//! `off-by-one`: a size, index or range off by one. A range's end included
//! or excluded (`a..b` ↔ `a..=b`), its start one later, a `narrow`'s start
//! one later or its length one shorter, a literal index one off.

use super::{int_literal, is_postfix, Cx, Edit, Operator};

/// See the module docs.
pub struct OffByOne;

/// `e + 1` (or the literal one more), as source text.
fn plus_one(e: &syn::Expr, cx: &Cx) -> Option<String> {
    if let Some((v, suffix)) = int_literal(e) {
        return Some(format!("{}{suffix}", v + 1));
    }
    let text = cx.text(e)?;
    Some(if is_postfix(e) { format!("{text} + 1") } else { format!("({text}) + 1") })
}

/// `e - 1` (or the literal one less; nothing for a literal 0, which might be unsigned).
fn minus_one(e: &syn::Expr, cx: &Cx) -> Option<String> {
    if let Some((v, suffix)) = int_literal(e) {
        return (v > 0).then(|| format!("{}{suffix}", v - 1));
    }
    let text = cx.text(e)?;
    Some(if is_postfix(e) { format!("{text} - 1") } else { format!("({text}) - 1") })
}

impl Operator for OffByOne {
    fn id(&self) -> &'static str {
        "off-by-one"
    }

    fn expr(&self, expr: &syn::Expr, cx: &Cx, out: &mut Vec<Edit>) {
        match expr {
            syn::Expr::Range(r) if r.end.is_some() => {
                match &r.limits {
                    syn::RangeLimits::HalfOpen(dots) => out.extend(cx.replace(dots, "..=", "include the end of the range")),
                    syn::RangeLimits::Closed(dots) => out.extend(cx.replace(dots, "..", "exclude the end of the range")),
                }
                if let Some(start) = &r.start {
                    if let Some(text) = plus_one(start, cx) {
                        out.extend(cx.replace(&**start, text, "start the range one later"));
                    }
                }
            }
            syn::Expr::MethodCall(call) if call.method == "narrow" && call.args.len() == 3 => {
                let args: Vec<&syn::Expr> = call.args.iter().collect();
                if let Some(text) = plus_one(args[1], cx) {
                    out.extend(cx.replace(args[1], text, "start `narrow` one later"));
                }
                if let Some(text) = minus_one(args[2], cx) {
                    out.extend(cx.replace(args[2], text, "take one element fewer in `narrow`"));
                }
            }
            syn::Expr::Index(ix) => {
                if let Some((v, suffix)) = int_literal(&ix.index) {
                    if v > 0 {
                        out.extend(cx.replace(&*ix.index, format!("{}{suffix}", v - 1), format!("index {} instead of {v}", v - 1)));
                    }
                    out.extend(cx.replace(&*ix.index, format!("{}{suffix}", v + 1), format!("index {} instead of {v}", v + 1)));
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
    fn ranges_narrow_and_literal_indices() {
        let source = "fn f(x: &Tensor, n: usize, v: &[i64]) -> i64 {\n\
            for i in 0..n {}\n\
            for j in 1..=n - 1 {}\n\
            let a = x.narrow(0, 2 * n as i64, 3);\n\
            let b = x.narrow(1, 0, 0);\n\
            let k = x.size()[1];\n\
            let h = &v[..2];\n\
            k\n}\n";
        let lines: Vec<String> = mutate(&OffByOne, source).into_iter().map(|(_, m)| changed(source, &m)).collect();
        assert_eq!(
            lines,
            [
                "for i in 0..=n {}",
                "for i in 1..n {}",
                "for j in 1..n - 1 {}",
                "for j in 2..=n - 1 {}",
                "let a = x.narrow(0, (2 * n as i64) + 1, 3);",
                "let a = x.narrow(0, 2 * n as i64, 2);",
                "let b = x.narrow(1, 1, 0);",
                "let k = x.size()[0];",
                "let k = x.size()[2];",
                "let h = &v[..=2];",
            ],
            "`narrow`'s length 0 is not made -1; an open range start is left alone"
        );
    }
}
