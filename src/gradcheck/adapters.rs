//! Adapters from the course's kinds of target to [`Differentiable`].

use super::Differentiable;
use crate::suite::Failure;
use tch::{Kind, Tensor};

/// A forward function and a hand-written backward (vjp) function: a student's
/// pair, or two closures that reach it (through `ctx.call`, say).
///
/// ```
/// use gradwork::gradcheck::{gradcheck, GradcheckOptions, HandWritten};
/// use gradwork::suite::Failure;
/// use tch::Tensor;
/// // y = W x (inputs W, x), with backward (g xᵀ, Wᵀ g).
/// let mut matvec = HandWritten {
///     forward: |t: &[Tensor]| -> Result<Vec<Tensor>, Failure> { Ok(vec![t[0].mv(&t[1])]) },
///     backward: |t: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
///         Ok(vec![g[0].outer(&t[1]), t[0].tr().mv(&g[0])])
///     },
/// };
/// let w = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).view([2, 3]);
/// let x = Tensor::from_slice(&[0.5f64, -1.0, 2.0]);
/// assert!(gradcheck(&mut matvec, &[w, x], &GradcheckOptions::default()).is_ok());
/// ```
pub struct HandWritten<F, B> {
    /// `inputs -> outputs`
    pub forward: F,
    /// `(inputs, cotangents) -> one gradient per input`
    pub backward: B,
}

impl<F, B> Differentiable for HandWritten<F, B>
where
    F: FnMut(&[Tensor]) -> Result<Vec<Tensor>, Failure>,
    B: FnMut(&[Tensor], &[Tensor]) -> Result<Vec<Tensor>, Failure>,
{
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        (self.forward)(inputs)
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        (self.backward)(inputs, cotangents)
    }
}

/// A tch closure whose backward is libtorch's autograd: for the oracle, and
/// for tch modules written with their parameters as inputs
/// (`x.linear(&w, Some(&b))` rather than a `VarStore`'s hidden variables).
/// Forward runs without recording a graph; the vjp runs the closure again on
/// leaves that require grad and backpropagates `Σ_k ⟨cotangent_k, output_k⟩`.
/// An input that no output depends on gets a zero gradient. The closure is
/// trusted code: a libtorch error in the vjp is a [`Failure::Grader`].
///
/// ```
/// use gradwork::gradcheck::{gradcheck, Autograd, GradcheckOptions};
/// use tch::Tensor;
/// // A linear layer and ReLU, with weight and bias as inputs.
/// let mut layer = Autograd { f: |t: &[Tensor]| vec![t[0].linear(&t[1], Some(&t[2])).relu()] };
/// let x = Tensor::from_slice(&[0.3f64, -1.2, 0.7, 2.0]).view([2, 2]);
/// let w = Tensor::from_slice(&[1.5f64, -0.5, 0.25, 1.0, -2.0, 0.5]).view([3, 2]);
/// let b = Tensor::from_slice(&[0.1f64, 0.2, -0.3]);
/// assert!(gradcheck(&mut layer, &[x, w, b], &GradcheckOptions::default()).is_ok());
/// ```
pub struct Autograd<F> {
    /// `inputs -> outputs`, written with tch operations.
    pub f: F,
}

impl<F> Differentiable for Autograd<F>
where
    F: FnMut(&[Tensor]) -> Vec<Tensor>,
{
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        Ok(tch::no_grad(|| (self.f)(inputs)))
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let torch = |e: tch::TchError| Failure::Grader(format!("libtorch's autograd failed: {e}"));
        let leaves: Vec<Tensor> = inputs.iter().map(|x| x.detach().set_requires_grad(true)).collect();
        let outputs = tch::with_grad(|| (self.f)(&leaves));
        let mut total: Option<Tensor> = None;
        for (out, cot) in outputs.iter().zip(cotangents) {
            if !out.requires_grad() {
                continue;
            }
            let term = out.f_to_kind(Kind::Double).and_then(|o| o.f_mul(cot)).and_then(|p| p.f_sum(Kind::Double)).map_err(torch)?;
            total = Some(match total {
                Some(t) => t.f_add(&term).map_err(torch)?,
                None => term,
            });
        }
        let Some(total) = total else {
            // No output depends on any input.
            return inputs.iter().map(|x| x.f_zeros_like().map_err(torch)).collect();
        };
        let grads = Tensor::f_run_backward(&[total], &leaves, false, false).map_err(torch)?;
        grads
            .into_iter()
            .zip(inputs)
            .map(|(g, x)| if g.defined() { Ok(g) } else { x.f_zeros_like().map_err(torch) })
            .collect()
    }
}

/// Gives a target's inputs and outputs names for messages (`W1`, `loss`).
///
/// ```
/// use gradwork::gradcheck::{gradcheck, Autograd, GradcheckOptions, Named};
/// use gradwork::suite::Failure;
/// use tch::Tensor;
/// let mut named = Named::new(Autograd { f: |t: &[Tensor]| vec![t[0].exp().sum(None)] }, &["x"], &["total"]);
/// let x = Tensor::from_slice(&[1000.0f64]); // exp overflows
/// let Err(Failure::Wrong(message)) = gradcheck(&mut named, &[x], &GradcheckOptions::default()) else { panic!() };
/// assert!(message.contains("Forward returned inf at `total`"));
/// ```
pub struct Named<T> {
    /// The target.
    pub target: T,
    /// Input names, in order (missing ones fall back to `input i`).
    pub inputs: Vec<String>,
    /// Output names, in order (missing ones fall back to `output i`).
    pub outputs: Vec<String>,
}

impl<T> Named<T> {
    /// `target` with these input and output names.
    pub fn new(target: T, inputs: &[&str], outputs: &[&str]) -> Named<T> {
        Named {
            target,
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl<T: Differentiable> Differentiable for Named<T> {
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        self.target.forward(inputs)
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        self.target.vjp(inputs, cotangents)
    }

    fn input_name(&self, i: usize) -> String {
        self.inputs.get(i).cloned().unwrap_or_else(|| self.target.input_name(i))
    }

    fn output_name(&self, i: usize) -> String {
        self.outputs.get(i).cloned().unwrap_or_else(|| self.target.output_name(i))
    }
}
