//! Building the student's models from plain inputs: the grader sends the
//! architecture and the weights; the runner makes the student's `Mlp` in a
//! fresh `VarStore` and copies the weights into its variables by name.

use a04_training::models::Mlp;
use gradwork::submission::{Args, DispatchError};
use tch::{nn, Device, Tensor};

/// An MLP of the student's with the grader's weights.
pub struct Built {
    /// The student's model.
    pub model: Mlp,
    /// Its variables.
    pub vs: nn::VarStore,
}

/// The handout's MLP variables, sorted by name, with their shapes.
pub fn layout(in_dim: i64, hidden: i64, classes: i64) -> Vec<(String, Vec<i64>)> {
    vec![
        ("fc1.bias".into(), vec![hidden]),
        ("fc1.weight".into(), vec![hidden, in_dim]),
        ("fc2.bias".into(), vec![hidden]),
        ("fc2.weight".into(), vec![hidden, hidden]),
        ("out.bias".into(), vec![classes]),
        ("out.weight".into(), vec![classes, hidden]),
    ]
}

/// Cuts the grader's flat weight tensor at `index` into the named tensors of
/// [`layout`] (the grader concatenates them in that order).
pub fn weights(args: &Args, index: usize, in_dim: i64, hidden: i64, classes: i64) -> Result<Vec<(String, Tensor)>, DispatchError> {
    let flat = args.tensor(index)?;
    let layout = layout(in_dim, hidden, classes);
    let total: i64 = layout.iter().map(|(_, s)| s.iter().product::<i64>()).sum();
    if flat.dim() != 1 || flat.size()[0] != total {
        return Err(DispatchError::BadArgument { index, expected: "the MLP's weights as one flat tensor", got: "a tensor of another size" });
    }
    let mut start = 0;
    Ok(layout
        .into_iter()
        .map(|(name, shape)| {
            let numel: i64 = shape.iter().product();
            let t = flat.narrow(0, start, numel).reshape(shape.as_slice());
            start += numel;
            (name, t)
        })
        .collect())
}

/// Reads `[in, hidden, classes, dropout]` at `spec` and the flat weights at
/// `weights`, builds the student's `Mlp` and sets its weights.
///
/// Panics with a message for the student when the model's variables do not
/// have the names and shapes of the handout (`fc1.weight`, ...): nothing of
/// the check can run without them.
pub fn mlp(args: &Args, spec: usize, weights: usize) -> Result<Built, DispatchError> {
    let (in_dim, hidden, classes) = (args.i64(spec)?, args.i64(spec + 1)?, args.i64(spec + 2)?);
    let dropout = args.f64(spec + 3)?;
    let weights = self::weights(args, weights, in_dim, hidden, classes)?;
    let vs = nn::VarStore::new(Device::Cpu);
    let model = Mlp::new(&vs.root(), in_dim, hidden, classes, dropout);
    set_weights(&vs, &weights);
    Ok(Built { model, vs })
}

/// Copies `weights` into the variables of `vs` with the same names.
pub fn set_weights(vs: &nn::VarStore, weights: &[(String, Tensor)]) {
    let named: Vec<(&str, &Tensor)> = weights.iter().map(|(n, t)| (n.as_str(), t)).collect();
    copy_named(
        vs,
        &named,
        "Mlp",
        "layers give",
        "Create the layers with `nn::linear(p / \"fc1\", ...)`, `p / \"fc2\"` and `p / \"out\"`, with the sizes of the handout.",
    );
}

/// Sets the weight and bias of the student's `LinearRegressor`, whose one
/// layer the handout names `linear` (`linear.weight`, `linear.bias`).
pub fn set_regressor_weights(vs: &nn::VarStore, weight: &Tensor, bias: &Tensor) {
    copy_named(
        vs,
        &[("linear.bias", bias), ("linear.weight", weight)],
        "LinearRegressor",
        "layer gives",
        "Make its one layer with `nn::linear(p / \"linear\", in_dim, out_dim, ..)`.",
    );
}

/// Copies each of `weights` into the variable of `vs` with its name.
///
/// Panics with a message for the student (naming `model`, what its `layers`
/// should be, and how to `fix` them) when the variables of `vs`, sorted by
/// name, are not exactly `weights`' names and shapes.
fn copy_named(vs: &nn::VarStore, weights: &[(&str, &Tensor)], model: &str, layers: &str, fix: &str) {
    let mut variables = vs.variables();
    let mut have: Vec<String> = variables.iter().map(|(n, t)| format!("{n} {:?}", t.size())).collect();
    have.sort();
    let want: Vec<String> = weights.iter().map(|(n, t)| format!("{n} {:?}", t.size())).collect();
    if have != want {
        panic!(
            "the grader builds your {model} and sets its weights by name, but its variables are [{}] where the handout's \
             {layers} [{}]. {fix}",
            have.join(", "),
            want.join(", ")
        );
    }
    tch::no_grad(|| {
        for (name, value) in weights {
            if let Some(variable) = variables.get_mut(*name) {
                variable.copy_(value);
            }
        }
    });
}
