//! `loop-move`: a statement moved out of its loop, or into it. The classic
//! mistakes of a training loop: an accumulator set up once instead of per
//! epoch (`let mut total = 0.0;` hoisted), `zero_grad()` once before the
//! loop instead of every step, an optimizer or a model made anew on every
//! pass (moved into the loop), a history entry recorded per batch instead of
//! per epoch (the statement after an inner loop moved into it).
//!
//! Only `for` loops: moving a statement around a `while` or `loop` can make
//! it never end. A statement is not moved out when it uses a name the loop
//! binds or has `break`, `continue` or `return`, nor moved in when a name it
//! binds is used after the loop, since neither would compile.

use super::{Cx, Edit, Operator};
use std::collections::HashSet;
use syn::visit::Visit;

/// See the module docs.
pub struct LoopMove;

/// Every identifier in a node, macro arguments included.
#[derive(Default)]
struct Idents(HashSet<String>);

impl<'a> Visit<'a> for Idents {
    fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
        self.0.insert(i.to_string());
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        fn walk(tokens: proc_macro2::TokenStream, out: &mut HashSet<String>) {
            for t in tokens {
                match t {
                    proc_macro2::TokenTree::Ident(i) => {
                        out.insert(i.to_string());
                    }
                    proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                    _ => {}
                }
            }
        }
        walk(m.tokens.clone(), &mut self.0);
        syn::visit::visit_macro(self, m);
    }
}

/// Names a pattern binds.
#[derive(Default)]
struct Bound(HashSet<String>);

impl<'a> Visit<'a> for Bound {
    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// Whether a node leaves its loop or function (`break`, `continue`, `return`).
#[derive(Default)]
struct Jumps(bool);

impl<'a> Visit<'a> for Jumps {
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        if matches!(e, syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_)) {
            self.0 = true;
        }
        syn::visit::visit_expr(self, e);
    }
}

fn idents(stmt: &syn::Stmt) -> HashSet<String> {
    let mut v = Idents::default();
    v.visit_stmt(stmt);
    v.0
}

fn bound_by(stmt: &syn::Stmt) -> HashSet<String> {
    let mut v = Bound::default();
    if let syn::Stmt::Local(local) = stmt {
        v.visit_pat(&local.pat);
    }
    v.0
}

/// A `let` with a value, or an expression statement ending in `;`, that never jumps.
fn movable(stmt: &syn::Stmt) -> bool {
    let shape = match stmt {
        syn::Stmt::Local(local) => local.init.is_some(),
        syn::Stmt::Expr(_, semi) => semi.is_some(),
        _ => false,
    };
    let mut jumps = Jumps::default();
    jumps.visit_stmt(stmt);
    shape && !jumps.0
}

fn as_for(stmt: &syn::Stmt) -> Option<&syn::ExprForLoop> {
    match stmt {
        syn::Stmt::Expr(syn::Expr::ForLoop(f), _) => Some(f),
        _ => None,
    }
}

/// A statement's text squashed to one short line, for names.
fn short(text: &str) -> String {
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if squashed.chars().count() <= 48 {
        squashed
    } else {
        format!("{}…", squashed.chars().take(47).collect::<String>())
    }
}

/// `cut` widened to its whole line(s) when only whitespace shares them.
fn whole_lines(source: &str, (start, end): (usize, usize)) -> (usize, usize) {
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[end..].find('\n').map_or(source.len(), |i| end + i + 1);
    let before_blank = source[line_start..start].trim().is_empty();
    let after_blank = source[end..line_end].trim().is_empty();
    if before_blank && after_blank {
        (line_start, line_end)
    } else {
        (start, end)
    }
}

/// The edit that cuts `cut` out and inserts `text` at `insert`, as one
/// replacement of the region spanning both and the loop (`around`).
fn move_edit(cx: &Cx, around: (usize, usize), cut: (usize, usize), insert: usize, text: String, description: String) -> Option<Edit> {
    let source = cx.source();
    let cut = whole_lines(source, cut);
    let (start, end) = (cut.0.min(around.0).min(insert), cut.1.max(around.1).max(insert));
    let mut edits = [(cut.0, cut.1, String::new()), (insert, insert, text)];
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut region = source.get(start..end)?.to_string();
    for (a, b, with) in edits {
        region.replace_range(a - start..b - start, &with);
    }
    Some(Edit { start, end, replacement: region, description, at: Some(cut.0 + (source[cut.0..].len() - source[cut.0..].trim_start().len())) })
}

/// Indentation for a statement inside the loop body.
fn inner_indent(f: &syn::ExprForLoop, cx: &Cx, loop_start: usize) -> String {
    match f.body.stmts.first().and_then(|s| cx.range(s)) {
        Some((s, _)) if cx.indent_at(s) != cx.indent_at(loop_start) => cx.indent_at(s).to_string(),
        _ => format!("{}    ", cx.indent_at(loop_start)),
    }
}

impl Operator for LoopMove {
    fn id(&self) -> &'static str {
        "loop-move"
    }

    fn block(&self, block: &syn::Block, cx: &Cx, out: &mut Vec<Edit>) {
        for (i, stmt) in block.stmts.iter().enumerate() {
            let Some(f) = as_for(stmt) else { continue };
            let Some(around) = cx.range(f) else { continue };
            let Some(open) = cx.span_range(f.body.brace_token.span.open()).map(|r| r.1) else { continue };
            let indent = inner_indent(f, cx, around.0);
            // Out of the loop: before it.
            let mut bound = Bound::default();
            bound.visit_pat(&f.pat);
            let mut bound = bound.0;
            for s in &f.body.stmts {
                if movable(s) && idents(s).is_disjoint(&bound) {
                    if let (Some(cut), Some(text)) = (cx.range(s), cx.text(s)) {
                        let moved = format!("{text}\n{}", cx.indent_at(around.0));
                        out.extend(move_edit(cx, around, cut, around.0, moved, format!("move `{}` out of its loop", short(text))));
                    }
                }
                bound.extend(bound_by(s));
            }
            // Into the loop: the statement before it, to the start of its body.
            if let Some(prev) = i.checked_sub(1).and_then(|p| block.stmts.get(p)) {
                let after: HashSet<String> = block.stmts[i + 1..].iter().flat_map(idents).collect();
                let mut iterated = Idents::default();
                iterated.visit_expr(&f.expr);
                let binds = bound_by(prev);
                if movable(prev) && binds.is_disjoint(&after) && binds.is_disjoint(&iterated.0) {
                    if let (Some(cut), Some(text)) = (cx.range(prev), cx.text(prev)) {
                        let moved = format!("\n{indent}{text}");
                        out.extend(move_edit(cx, around, cut, open, moved, format!("move `{}` into the loop after it", short(text))));
                    }
                }
            }
            // Into the loop: the statement after it, to the end of its body.
            if let Some(next) = block.stmts.get(i + 1) {
                let at = f.body.stmts.last().and_then(|s| cx.range(s)).map_or(open, |r| r.1);
                if movable(next) && matches!(next, syn::Stmt::Expr(..)) {
                    if let (Some(cut), Some(text)) = (cx.range(next), cx.text(next)) {
                        let moved = format!("\n{indent}{text}");
                        out.extend(move_edit(cx, around, cut, at, moved, format!("move `{}` into the loop before it", short(text))));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::mutate;
    use super::*;

    const SOURCE: &str = "\
fn train(model: &Net, data: &[Batch], epochs: usize) -> Vec<f64> {
    let mut history = Vec::new();
    let mut opt = Sgd::new(0.1);
    for epoch in 0..epochs {
        let mut total = 0.0;
        for batch in data {
            opt.zero_grad();
            let loss = model.loss(batch);
            total += loss;
            if total > 1e9 { break; }
        }
        history.push(total);
        log(epoch);
    }
    history
}
";

    fn mutated(name_part: &str) -> String {
        let all = mutate(&LoopMove, SOURCE);
        let found: Vec<&(String, String)> = all.iter().filter(|(n, _)| n.contains(name_part)).collect();
        assert_eq!(found.len(), 1, "{name_part}: {:#?}", all.iter().map(|(n, _)| n).collect::<Vec<_>>());
        found[0].1.clone()
    }

    #[test]
    fn an_accumulator_hoisted_out_of_the_epoch_loop() {
        let m = mutated("move `let mut total = 0.0;` out of its loop");
        assert!(m.contains("    let mut opt = Sgd::new(0.1);\n    let mut total = 0.0;\n    for epoch in 0..epochs {\n        for batch in data {"), "{m}");
    }

    #[test]
    fn zero_grad_once_before_the_batches() {
        let m = mutated("move `opt.zero_grad();` out of its loop");
        assert!(m.contains("        opt.zero_grad();\n        for batch in data {\n            let loss = model.loss(batch);"), "{m}");
    }

    #[test]
    fn the_optimizer_made_anew_every_epoch() {
        let m = mutated("move `let mut opt = Sgd::new(0.1);` into the loop after it");
        assert!(m.contains("    let mut history = Vec::new();\n    for epoch in 0..epochs {\n        let mut opt = Sgd::new(0.1);\n        let mut total = 0.0;"), "{m}");
    }

    #[test]
    fn a_history_entry_per_batch() {
        let m = mutated("move `history.push(total);` into the loop before it");
        assert!(m.contains("            if total > 1e9 { break; }\n            history.push(total);\n        }\n        log(epoch);"), "{m}");
    }

    #[test]
    fn what_would_not_compile_or_could_loop_forever_is_not_moved() {
        let names: Vec<String> = mutate(&LoopMove, SOURCE).into_iter().map(|(n, _)| n).collect();
        for n in &names {
            assert!(!n.contains("let loss"), "uses the loop's `batch`: {n}");
            assert!(!n.contains("total += loss"), "uses `loss`, bound in the loop: {n}");
            assert!(!n.contains("break"), "leaves the loop: {n}");
            assert!(!n.contains("log(epoch)"), "uses the loop's `epoch`: {n}");
            assert!(!n.contains("let mut history"), "`history` is used after the loop: {n}");
        }
        assert_eq!(names.len(), 4, "{names:#?}");
    }
}
