//! gradwork's own mutation operators: the mistakes people make in tensor
//! code, which generic operators (swap `+` and `-`, return a default) rarely
//! make. Each one is a small [`Operator`] that looks at one expression or
//! block of the reference, parsed with `syn`, and proposes edits of the
//! source text at exact spans, so every mutant changes one thing and keeps
//! the rest of the file byte for byte.
//!
//! | id | the mistake |
//! |---|---|
//! | `reduction-dim` | a reduction (or another dim-taking op) over another dim |
//! | `reduction-kind` | a reduction of another kind: sum/mean, max/min, argmax/argmin, softmax/log-softmax, `Reduction::Mean`/`Sum` |
//! | `off-by-one` | a range end included or excluded, a start, length or index off by one |
//! | `transpose` | a transpose dropped, or added to a matrix product's operand |
//! | `flip-bool` | a boolean argument (`keepdim`, `train`, …) flipped |
//! | `loop-move` | a statement moved out of its loop, or into it |
//!
//! ```
//! use gradwork::dev::mutants::operators;
//! let source = "pub fn f(x: &tch::Tensor) -> tch::Tensor {\n    x.sum_dim_intlist(-1, false, None)\n}\n";
//! let mutants = operators::list("src/lib.rs", "reference/a00", source).unwrap();
//! let names: Vec<&str> = mutants.iter().map(|m| m.name.as_str()).collect();
//! assert!(names.contains(&"reference/a00/src/lib.rs:2:23: reduce over dim -2 instead of -1 in f"));
//! assert!(names.contains(&"reference/a00/src/lib.rs:2:27: replace false with true in the arguments of sum_dim_intlist in f"));
//! ```

mod flip_bool;
mod loop_move;
mod off_by_one;
mod reduction_dim;
mod reduction_kind;
mod transpose;

use super::mutant::{LineIndex, Mutant, Tool};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// One proposed edit of a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range replaced.
    pub start: usize,
    /// End of the range (exclusive).
    pub end: usize,
    /// What replaces it.
    pub replacement: String,
    /// The mistake in words, e.g. `reduce over dim 0 instead of 1`.
    pub description: String,
    /// Where the mistake is, for the mutant's name (default: `start`).
    pub at: Option<usize>,
}

/// The source an operator looks at: its text and positions.
pub struct Cx<'s> {
    source: &'s str,
    index: LineIndex<'s>,
}

impl<'s> Cx<'s> {
    fn new(source: &'s str) -> Cx<'s> {
        Cx { source, index: LineIndex::new(source) }
    }

    /// The byte range of a syntax node.
    pub fn range(&self, node: &impl Spanned) -> Option<(usize, usize)> {
        self.span_range(node.span())
    }

    /// The byte range of a span.
    pub fn span_range(&self, span: proc_macro2::Span) -> Option<(usize, usize)> {
        let (s, e) = (span.start(), span.end());
        let start = self.index.offset(s.line, s.column)?;
        let end = self.index.offset(e.line, e.column)?;
        (start <= end).then_some((start, end))
    }

    /// The source text of a syntax node.
    pub fn text(&self, node: &impl Spanned) -> Option<&'s str> {
        let (s, e) = self.range(node)?;
        self.source.get(s..e)
    }

    /// The whole file.
    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The indentation of the line that holds byte `offset`.
    pub fn indent_at(&self, offset: usize) -> &'s str {
        let line = self.index.line_text(self.index.line_of(offset));
        &line[..line.len() - line.trim_start().len()]
    }

    /// An edit replacing `node` by `replacement`.
    pub fn replace(&self, node: &impl Spanned, replacement: impl Into<String>, description: impl Into<String>) -> Option<Edit> {
        let (start, end) = self.range(node)?;
        Some(Edit { start, end, replacement: replacement.into(), description: description.into(), at: None })
    }
}

/// A mutation operator.
pub trait Operator: Sync {
    /// Its id, e.g. `reduction-dim`: the `operator` of its mutants.
    fn id(&self) -> &'static str;
    /// Edits for one expression (its sub-expressions are visited on their own).
    fn expr(&self, _expr: &syn::Expr, _cx: &Cx, _out: &mut Vec<Edit>) {}
    /// Edits for one block (its statements are visited on their own).
    fn block(&self, _block: &syn::Block, _cx: &Cx, _out: &mut Vec<Edit>) {}
}

/// Every operator, in the order their mutants are listed.
pub const OPERATORS: &[&dyn Operator] = &[
    &reduction_dim::ReductionDim,
    &reduction_kind::ReductionKind,
    &off_by_one::OffByOne,
    &transpose::Transpose,
    &flip_bool::FlipBool,
    &loop_move::LoopMove,
];

/// The ids of every operator.
pub fn ids() -> Vec<&'static str> {
    OPERATORS.iter().map(|o| o.id()).collect()
}

/// The mutants of every operator in one file. `file` is the path relative to
/// the crate (`src/lib.rs`), `name_prefix` the crate's path from the
/// workspace root (`reference/a01-tensors`), as in cargo-mutants' names.
pub fn list(file: &str, name_prefix: &str, source: &str) -> Result<Vec<Mutant>, syn::Error> {
    list_with(OPERATORS, file, name_prefix, source)
}

/// [`list`] with only `operators`.
pub fn list_with(operators: &[&dyn Operator], file: &str, name_prefix: &str, source: &str) -> Result<Vec<Mutant>, syn::Error> {
    let ast = syn::parse_file(source)?;
    let cx = Cx::new(source);
    let mut out = Vec::new();
    for op in operators {
        let mut walker = Walker { op: *op, cx: &cx, functions: Vec::new(), impls: Vec::new(), found: Vec::new() };
        walker.visit_file(&ast);
        for (edit, function) in walker.found {
            let at = edit.at.unwrap_or(edit.start);
            let (line, column) = (cx.index.line_of(at), cx.index.column_of(at));
            let path = if name_prefix.is_empty() { file.to_string() } else { format!("{}/{file}", name_prefix.trim_end_matches('/')) };
            let within = function.as_ref().map(|f| format!(" in {f}")).unwrap_or_default();
            let last_byte = if edit.end > edit.start { edit.end - 1 } else { edit.start };
            out.push(Mutant {
                name: format!("{path}:{line}:{column}: {}{within}", edit.description),
                tool: Tool::Gradwork,
                operator: op.id().to_string(),
                file: file.to_string(),
                function,
                line: cx.index.line_of(edit.start),
                last_line: cx.index.line_of(last_byte),
                start: edit.start,
                end: edit.end,
                replacement: edit.replacement,
            });
        }
    }
    dedupe_names(&mut out);
    Ok(out)
}

/// Two mutants with one name (two edits at one place that read the same)
/// get ` (2)`, ` (3)`, … so that names stay unique keys.
fn dedupe_names(mutants: &mut [Mutant]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for m in mutants.iter_mut() {
        let n = seen.entry(m.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            m.name = format!("{} ({n})", m.name);
        }
    }
}

/// Walks a file for one operator, knowing the enclosing function.
struct Walker<'c, 's> {
    op: &'c dyn Operator,
    cx: &'c Cx<'s>,
    functions: Vec<String>,
    impls: Vec<String>,
    found: Vec<(Edit, Option<String>)>,
}

impl Walker<'_, '_> {
    fn take(&mut self, edits: Vec<Edit>) {
        let function = self.functions.last().cloned();
        self.found.extend(edits.into_iter().map(|e| (e, function.clone())));
    }

    fn squashed(&self, node: &impl Spanned) -> String {
        self.cx.text(node).map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default()
    }
}

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.functions.push(f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.functions.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        // Named as cargo-mutants names them: `Type::method`, `<impl Trait for Type>::method`.
        let ty = self.squashed(&i.self_ty);
        let name = match &i.trait_ {
            Some((_, path, _)) => format!("<impl {} for {ty}>", self.squashed(path)),
            None => ty,
        };
        self.impls.push(name);
        syn::visit::visit_item_impl(self, i);
        self.impls.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let name = match self.impls.last() {
            Some(owner) => format!("{owner}::{}", f.sig.ident),
            None => f.sig.ident.to_string(),
        };
        self.functions.push(name);
        syn::visit::visit_impl_item_fn(self, f);
        self.functions.pop();
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        let mut edits = Vec::new();
        self.op.expr(e, self.cx, &mut edits);
        self.take(edits);
        syn::visit::visit_expr(self, e);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let mut edits = Vec::new();
        self.op.block(b, self.cx, &mut edits);
        self.take(edits);
        syn::visit::visit_block(self, b);
    }
}

/// An integer literal, possibly negated (`-1`, `2i64`), with its value and suffix.
pub(crate) fn int_literal(e: &syn::Expr) -> Option<(i128, String)> {
    match e {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => Some((i.base10_parse::<i128>().ok()?, i.suffix().to_string())),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => int_literal(expr).map(|(v, s)| (-v, s)),
        syn::Expr::Paren(p) => int_literal(&p.expr),
        _ => None,
    }
}

/// The method name without libtorch's fallible `f_` prefix.
pub(crate) fn bare_method(name: &str) -> (&str, &str) {
    match name.strip_prefix("f_") {
        Some(rest) => ("f_", rest),
        None => ("", name),
    }
}

/// Whether `e` can take a `.method()` after it without parentheses.
pub(crate) fn is_postfix(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Call(_)
            | syn::Expr::Index(_)
            | syn::Expr::Paren(_)
            | syn::Expr::Lit(_)
            | syn::Expr::Macro(_)
            | syn::Expr::Try(_)
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the operators' tests.
    use super::*;

    /// The mutated sources of one operator on `source`, each checked to parse.
    pub fn mutate(op: &dyn Operator, source: &str) -> Vec<(String, String)> {
        let mutants = list_with(&[op], "src/lib.rs", "", source).unwrap();
        mutants
            .into_iter()
            .map(|m| {
                let mutated = m.apply(source).unwrap();
                if let Err(e) = syn::parse_file(&mutated) {
                    panic!("`{}` does not parse: {e}\n{mutated}", m.name);
                }
                (m.name, mutated)
            })
            .collect()
    }

    /// The one line that differs between `a` and `b` (or all differing lines, joined).
    pub fn changed(before: &str, after: &str) -> String {
        let diff = similar::TextDiff::from_lines(before, after);
        diff.iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Insert)
            .map(|c| c.value().trim().to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_function_and_impl_like_cargo_mutants() {
        let source = "struct Net;\nimpl Net {\n    fn f(&self, x: &tch::Tensor) -> tch::Tensor { x.sum(None) }\n}\n\
                      impl tch::nn::Module for Net {\n    fn forward(&self, x: &tch::Tensor) -> tch::Tensor { x.mean(None) }\n}\n";
        let names: Vec<String> = list("src/lib.rs", "reference/a00", source).unwrap().into_iter().map(|m| m.name).collect();
        assert!(names.contains(&"reference/a00/src/lib.rs:3:53: reduce with mean instead of sum in Net::f".to_string()), "{names:#?}");
        assert!(
            names.contains(&"reference/a00/src/lib.rs:6:59: reduce with sum instead of mean in <impl tch::nn::Module for Net>::forward".to_string()),
            "{names:#?}"
        );
    }

    #[test]
    fn every_mutant_of_every_operator_parses_on_the_references() {
        // The real references, as shipped: every operator's every mutant must still parse.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference");
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let src = entry.path().join("src");
            for rel in crate::workspace::list_files(&src).unwrap_or_default().into_iter().filter(|f| f.ends_with(".rs")) {
                let source = std::fs::read_to_string(src.join(&rel)).unwrap();
                for m in list(&format!("src/{rel}"), "", &source).unwrap() {
                    let mutated = m.apply(&source).unwrap();
                    assert!(syn::parse_file(&mutated).is_ok(), "{} does not parse", m.name);
                    assert_ne!(mutated, source, "{} changes nothing", m.name);
                    *counts.entry(m.operator).or_default() += 1;
                }
            }
        }
        for id in ids() {
            assert!(counts.get(id).copied().unwrap_or(0) > 0, "operator {id} finds nothing in the references: {counts:?}");
        }
    }
}
