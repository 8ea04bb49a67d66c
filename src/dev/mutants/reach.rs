//! Which checks should have caught a mutant: those that call, through the
//! runner, a student function from which the mutated function is reached.
//!
//! A check records the runner functions it called
//! ([`crate::result::CheckResult::calls`]); the runner's `dispatch` says
//! which student functions each of those calls (a match arm per name), the
//! runner's helper functions (an arm that calls `checker::edge_cases(args)`)
//! join the reference's own call graph, and that graph says what they reach. Names are compared by
//! their last segment (`Mlp::forward` is `forward`), so two methods of one
//! name are one node: the answer errs on the side of naming a check too many.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use syn::visit::Visit;

/// Who calls whom, by last name segment.
#[derive(Debug, Default, Clone)]
pub struct CallGraph {
    /// function → functions and methods it calls (or names as values, `map(helper)`).
    calls: HashMap<String, HashSet<String>>,
    /// runner name → student functions its dispatch arm calls.
    dispatch: HashMap<String, HashSet<String>>,
}

/// The names an expression calls or names as a value.
#[derive(Default)]
struct Callees(HashSet<String>);

impl<'a> Visit<'a> for Callees {
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        self.0.insert(m.method.to_string());
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            self.0.insert(last.ident.to_string());
        }
        syn::visit::visit_expr_path(self, p);
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        // `vec![f(x)]`, `format!("{}", g(y))`: the arguments of common macros are expressions.
        if let Ok(args) = m.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated) {
            for a in &args {
                self.visit_expr(a);
            }
        }
    }
}

/// Functions of a file and what each calls.
#[derive(Default)]
struct Functions<'g> {
    graph: Option<&'g mut HashMap<String, HashSet<String>>>,
}

impl<'a> Visit<'a> for Functions<'_> {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.record(&f.sig.ident, &f.block);
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.record(&f.sig.ident, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.record(&f.sig.ident, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

impl Functions<'_> {
    fn record(&mut self, name: &syn::Ident, body: &syn::Block) {
        let mut callees = Callees::default();
        callees.visit_block(body);
        if let Some(graph) = self.graph.as_deref_mut() {
            graph.entry(name.to_string()).or_default().extend(callees.0);
        }
    }
}

/// The arms of `match function { "name" => … }` in a runner.
#[derive(Default)]
struct Arms(HashMap<String, HashSet<String>>);

impl<'a> Visit<'a> for Arms {
    fn visit_arm(&mut self, arm: &'a syn::Arm) {
        let mut names = Vec::new();
        collect_strings(&arm.pat, &mut names);
        if !names.is_empty() {
            let mut callees = Callees::default();
            callees.visit_expr(&arm.body);
            for n in names {
                self.0.entry(n).or_default().extend(callees.0.iter().cloned());
            }
        }
        syn::visit::visit_arm(self, arm);
    }
}

fn collect_strings(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => out.push(s.value()),
        syn::Pat::Or(or) => or.cases.iter().for_each(|p| collect_strings(p, out)),
        _ => {}
    }
}

/// The last segment of a function name as cargo-mutants and gradwork write it:
/// `<impl Module for Mlp>::forward` → `forward`.
pub fn last_segment(function: &str) -> &str {
    function.rsplit("::").next().unwrap_or(function)
}

impl CallGraph {
    /// Adds a reference source file (files that do not parse add nothing).
    pub fn add_reference(&mut self, source: &str) {
        if let Ok(file) = syn::parse_file(source) {
            Functions { graph: Some(&mut self.calls) }.visit_file(&file);
        }
    }

    /// Adds a runner source file: its `dispatch` match arms, and its helper
    /// functions, through which an arm may reach the student's code.
    pub fn add_runner(&mut self, source: &str) {
        if let Ok(file) = syn::parse_file(source) {
            Functions { graph: Some(&mut self.calls) }.visit_file(&file);
            let mut arms = Arms::default();
            arms.visit_file(&file);
            for (name, callees) in arms.0 {
                self.dispatch.entry(name).or_default().extend(callees);
            }
        }
    }

    /// The functions from which `function` is reached, itself included.
    pub fn callers_of(&self, function: &str) -> HashSet<String> {
        let target = last_segment(function).to_string();
        let mut reached: HashSet<String> = HashSet::from([target.clone()]);
        let mut todo = vec![target];
        while let Some(f) = todo.pop() {
            for (caller, callees) in &self.calls {
                if callees.contains(&f) && reached.insert(caller.clone()) {
                    todo.push(caller.clone());
                }
            }
        }
        reached
    }

    /// Whether the runner function `runner_name` reaches `function`.
    pub fn runner_reaches(&self, runner_name: &str, callers: &HashSet<String>) -> bool {
        match self.dispatch.get(runner_name) {
            Some(callees) => callees.iter().any(|c| callers.contains(c)),
            None => callers.contains(runner_name),
        }
    }

    /// The checks (id → title) among `checks` (id, title, runner calls)
    /// that reach `function`.
    pub fn checks_reaching<'c>(&self, function: &str, checks: impl IntoIterator<Item = (&'c str, &'c str, &'c [String])>) -> BTreeMap<String, String> {
        let callers = self.callers_of(function);
        checks
            .into_iter()
            .filter(|(_, _, calls)| calls.iter().any(|c| self.runner_reaches(c, &callers)))
            .map(|(id, title, _)| (id.to_string(), title.to_string()))
            .collect()
    }

    /// Every runner name the dispatch knows.
    pub fn runner_names(&self) -> BTreeSet<String> {
        self.dispatch.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = "\
pub struct Mlp;
impl Mlp {
    pub fn forward(&self, x: &Tensor) -> Tensor { relu(&self.layer(x)) }
    fn layer(&self, x: &Tensor) -> Tensor { x.shallow_clone() }
}
pub fn relu(x: &Tensor) -> Tensor { x.clamp_min(0.0) }
pub fn train(m: &Mlp, xs: &[Tensor]) -> Vec<Tensor> { xs.iter().map(|x| m.forward(x)).collect() }
pub fn unrelated() -> i64 { 1 }
";
    const RUNNER: &str = "\
fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        \"mlp_forward\" => vec![out(&student::Mlp.forward(&args.tensor(0)?))?],
        \"train\" | \"train_twice\" => vec![student::train(&student::Mlp, &[]).len().into()],
        \"unrelated\" => vec![student::unrelated().into()],
        \"relu_through_a_helper\" => helpers::relu_twice(args)?,
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}
";
    const RUNNER_HELPERS: &str = "\
pub fn relu_twice(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let x = student::relu(&args.tensor(0)?);
    Ok(vec![out(&student::relu(&x))?])
}
";

    #[test]
    fn checks_that_reach_a_function_through_the_runner_and_the_reference() {
        let mut g = CallGraph::default();
        g.add_reference(REFERENCE);
        g.add_runner(RUNNER);
        g.add_runner(RUNNER_HELPERS);
        assert_eq!(g.runner_names().into_iter().collect::<Vec<_>>(), ["mlp_forward", "relu_through_a_helper", "train", "train_twice", "unrelated"]);
        let calls = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b, c, d, e) = (calls(&["mlp_forward"]), calls(&["train_twice"]), calls(&["unrelated"]), calls(&["relu"]), calls(&["relu_through_a_helper"]));
        let checks = [
            ("forward", "the forward pass", a.as_slice()),
            ("training", "training", b.as_slice()),
            ("other", "other", c.as_slice()),
            ("direct", "a call the runner does not list", d.as_slice()),
            ("helper", "a runner helper", e.as_slice()),
        ];
        let reaching = g.checks_reaching("Mlp::layer", checks);
        assert_eq!(reaching.keys().collect::<Vec<_>>(), ["forward", "training"]);
        let reaching = g.checks_reaching("relu", checks);
        assert_eq!(reaching.keys().collect::<Vec<_>>(), ["direct", "forward", "helper", "training"], "a runner name it does not know counts as the function itself");
        assert!(g.checks_reaching("unrelated", checks).contains_key("other"));
        assert_eq!(last_segment("<impl nn::Module for Mlp>::forward"), "forward");
    }
}
