//! Calls into the target, validated: forward and vjp with every output read
//! back as flat f64 values, shapes and kinds checked against the first
//! forward, evaluations counted, and the inputs perturbed in place one element
//! at a time.

use super::message::{element, name};
use super::Differentiable;
use crate::compare::{num, Mismatch};
use crate::suite::Failure;
use tch::{Device, Kind, Tensor};

/// Validated access to a [`Differentiable`] at a fixed point.
pub(crate) struct Evaluator<'a> {
    target: &'a mut dyn Differentiable,
    /// gradcheck's own contiguous f64 copies of the inputs.
    inputs: Vec<Tensor>,
    /// Flat views of `inputs`, for writing single elements.
    flat: Vec<Tensor>,
    /// The inputs' values, to restore after perturbing and to detect mutation.
    pub originals: Vec<Vec<f64>>,
    pub input_shapes: Vec<Vec<i64>>,
    pub output_shapes: Vec<Vec<i64>>,
    /// The outputs at the unperturbed inputs.
    pub base: Vec<Vec<f64>>,
    device: Device,
    pub evaluations: usize,
    pub notes: Vec<String>,
}

fn grader(what: &str) -> impl Fn(tch::TchError) -> Failure + '_ {
    move |e| Failure::Grader(format!("gradcheck could not {what}: {e}"))
}

/// A tensor's values as flat f64 (any device, layout and float kind).
pub(crate) fn values(t: &Tensor) -> Result<Vec<f64>, Failure> {
    let numel = t.numel();
    let mut out = vec![0f64; numel];
    if numel > 0 {
        t.f_to_kind(Kind::Double).and_then(|d| d.f_copy_data(&mut out, numel)).map_err(grader("read a tensor"))?;
    }
    Ok(out)
}

impl<'a> Evaluator<'a> {
    /// Copies the inputs into float64 working tensors (promoting float32 and
    /// noting it; refusing non-float inputs).
    pub fn new(target: &'a mut dyn Differentiable, inputs: &[Tensor]) -> Result<Evaluator<'a>, Failure> {
        let device = inputs.first().map(|t| t.device()).unwrap_or(Device::Cpu);
        let mut notes = Vec::new();
        let (mut work, mut flat, mut originals, mut shapes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, t) in inputs.iter().enumerate() {
            let kind = t.f_kind().map_err(grader("read an input"))?;
            match kind {
                Kind::Double => {}
                Kind::Float | Kind::Half | Kind::BFloat16 => notes.push(format!(
                    "Input {} was {}; the check promoted it to float64, since finite differences need double precision.",
                    name(&target.input_name(i)),
                    kind_name(kind)
                )),
                other => {
                    return Err(Failure::Grader(format!(
                        "input {} is {}: gradient checks need floating-point inputs",
                        name(&target.input_name(i)),
                        kind_name(other)
                    )))
                }
            }
            let shape = t.size();
            let mut copy = Tensor::f_empty(shape.as_slice(), (Kind::Double, t.device())).map_err(grader("copy an input"))?;
            copy.f_copy_(&t.detach()).map_err(grader("copy an input"))?;
            flat.push(copy.f_view([-1]).map_err(grader("view an input"))?);
            originals.push(values(&copy)?);
            work.push(copy);
            shapes.push(shape);
        }
        Ok(Evaluator {
            target,
            inputs: work,
            flat,
            originals,
            input_shapes: shapes,
            output_shapes: Vec::new(),
            base: Vec::new(),
            device,
            evaluations: 0,
            notes,
        })
    }

    pub fn input_name(&self, i: usize) -> String {
        self.target.input_name(i)
    }

    pub fn output_name(&self, k: usize) -> String {
        self.target.output_name(k)
    }

    pub fn input_numels(&self) -> Vec<usize> {
        self.originals.iter().map(Vec::len).collect()
    }

    pub fn output_numels(&self) -> Vec<usize> {
        self.base.iter().map(Vec::len).collect()
    }

    /// The first forward: fixes the outputs' number and shapes, which must be
    /// float64 and finite.
    pub fn forward_base(&mut self) -> Result<(), Failure> {
        self.evaluations += 1;
        let outputs = self.target.forward(&self.inputs)?;
        let mut base = Vec::with_capacity(outputs.len());
        for (k, out) in outputs.iter().enumerate() {
            let kind = out.f_kind().map_err(grader("read an output"))?;
            if kind != Kind::Double {
                let advice = if matches!(kind, Kind::Float | Kind::Half | Kind::BFloat16) {
                    "Gradient checks need float64 throughout: a finite-difference step of 1e-6 drowns in float32 \
                     rounding. Keep the inputs' kind: make new tensors with the input's `kind()` or \
                     `Kind::Double`, not `Kind::Float`, and note that tch's `cross_entropy_for_logits` computes \
                     in float32 (use `log_softmax(-1, x.kind())` and `nll_loss`)."
                } else {
                    "A differentiable function returns floating-point values."
                };
                return Err(Failure::wrong(format!(
                    "Forward returned {} as {}, for float64 inputs. {advice}",
                    name(&self.target.output_name(k)),
                    kind_name(kind)
                )));
            }
            let vals = values(out)?;
            let shape = out.size();
            if let Some((j, v)) = vals.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Failure::wrong(format!(
                    "Forward returned {} at {} for finite inputs, so no derivative can be checked there. Look for \
                     a division by zero, the log of 0 or of a negative number, or an exp that overflows.",
                    num(*v),
                    element(&self.target.output_name(k), &crate::compare::unravel(j, &shape))
                )));
            }
            self.output_shapes.push(shape);
            base.push(vals);
        }
        self.base = base;
        Ok(())
    }

    /// Forward at the given inputs (the working copies when `None`), with the
    /// outputs' number and shapes checked against the first forward.
    pub fn forward(&mut self, inputs: Option<&[Tensor]>) -> Result<Vec<Vec<f64>>, Failure> {
        self.evaluations += 1;
        let outputs = match inputs {
            Some(xs) => self.target.forward(xs)?,
            None => self.target.forward(&self.inputs)?,
        };
        if outputs.len() != self.output_shapes.len() {
            return Err(Failure::wrong(format!(
                "Forward returned {} outputs at slightly moved inputs but {} at the original ones: the number of \
                 outputs must not depend on the input values.",
                outputs.len(),
                self.output_shapes.len()
            )));
        }
        let mut out = Vec::with_capacity(outputs.len());
        for (k, t) in outputs.iter().enumerate() {
            if t.size() != self.output_shapes[k] {
                return Err(Failure::wrong(format!(
                    "Forward returned {} of shape {:?} at slightly moved inputs but {:?} at the original ones: \
                     output shapes must not depend on the input values.",
                    name(&self.target.output_name(k)),
                    t.size(),
                    self.output_shapes[k]
                )));
            }
            out.push(values(t)?);
        }
        Ok(out)
    }

    /// The vjp at the working inputs for flat cotangents (one per output),
    /// with one gradient per input, each of the input's shape and a float kind.
    pub fn vjp(&mut self, cotangents: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, Failure> {
        let mut cots = Vec::with_capacity(cotangents.len());
        for (c, shape) in cotangents.iter().zip(&self.output_shapes) {
            let t = Tensor::f_from_slice(c)
                .and_then(|t| t.f_view(shape.as_slice()))
                .and_then(|t| t.f_to_device(self.device))
                .map_err(grader("build a cotangent"))?;
            cots.push(t);
        }
        self.evaluations += 1;
        let grads = self.target.vjp(&self.inputs, &cots)?;
        if grads.len() != self.inputs.len() {
            let names: Vec<String> = (0..self.inputs.len()).map(|i| name(&self.target.input_name(i))).collect();
            return Err(Failure::wrong(format!(
                "Backward returned {} gradients, but the function has {} inputs ({}): return one gradient per \
                 input, in the same order.",
                grads.len(),
                self.inputs.len(),
                names.join(", ")
            )));
        }
        let mut out = Vec::with_capacity(grads.len());
        for (i, g) in grads.iter().enumerate() {
            let input = name(&self.target.input_name(i));
            if !g.defined() {
                return Err(Failure::wrong(format!("Backward returned an undefined tensor as the gradient for {input}.")));
            }
            if g.size() != self.input_shapes[i] {
                let shape = Mismatch::Shape { expected: self.input_shapes[i].clone(), actual: g.size() };
                return Err(Failure::wrong(format!(
                    "The gradient for {input} is not right: a gradient has the shape of its input. {shape}"
                )));
            }
            let kind = g.f_kind().map_err(grader("read a gradient"))?;
            if !matches!(kind, Kind::Double | Kind::Float | Kind::Half | Kind::BFloat16) {
                return Err(Failure::wrong(format!(
                    "Backward returned the gradient for {input} as {}; gradients are floating-point.",
                    kind_name(kind)
                )));
            }
            out.push(values(g)?);
        }
        Ok(out)
    }

    /// Sets element `j` of input `i` (flat, row-major) to `value`.
    pub fn set(&mut self, i: usize, j: usize, value: f64) -> Result<(), Failure> {
        let _ = self.flat[i].f_narrow(0, j as i64, 1).and_then(|mut e| e.f_fill_(value)).map_err(grader("perturb an input"))?;
        Ok(())
    }

    /// `eps · direction[i]` as tensors for the inputs in `which` (`None` for the others).
    pub fn steps(&self, direction: &[Vec<f64>], eps: f64, which: &[usize]) -> Result<Vec<Option<Tensor>>, Failure> {
        let mut out = Vec::with_capacity(self.inputs.len());
        for (i, d) in direction.iter().enumerate() {
            if !which.contains(&i) {
                out.push(None);
                continue;
            }
            let step = Tensor::f_from_slice(d)
                .and_then(|t| t.f_view(self.input_shapes[i].as_slice()))
                .and_then(|t| t.f_to_device(self.device))
                .and_then(|t| t.f_mul_scalar(eps))
                .map_err(grader("build a direction"))?;
            out.push(Some(step));
        }
        Ok(out)
    }

    /// The working inputs moved by `sign · steps[i]` (unchanged where `None`).
    pub fn moved(&self, steps: &[Option<Tensor>], sign: f64) -> Result<Vec<Tensor>, Failure> {
        self.inputs
            .iter()
            .zip(steps)
            .map(|(x, step)| match step {
                None => Ok(x.shallow_clone()),
                Some(s) if sign > 0.0 => x.f_add(s).map_err(grader("move an input")),
                Some(s) => x.f_sub(s).map_err(grader("move an input")),
            })
            .collect()
    }

    /// Fails when the target changed its inputs in place during `stage`.
    pub fn check_inputs_unchanged(&self, stage: &str) -> Result<(), Failure> {
        for (i, x) in self.inputs.iter().enumerate() {
            let now = values(x)?;
            let changed = now.iter().zip(&self.originals[i]).enumerate().find(|(_, (a, b))| a.to_bits() != b.to_bits());
            if let Some((j, (after, before))) = changed {
                let at = element(&self.target.input_name(i), &crate::compare::unravel(j, &self.input_shapes[i]));
                return Err(Failure::wrong(format!(
                    "{} modified its input {} in place ({at} was {}, became {}). It must leave its inputs as they \
                     are: use out-of-place operations (`relu()`, not `relu_()`; `x * 2`, not `x *= 2`).",
                    capitalise(stage),
                    name(&self.target.input_name(i)),
                    num(*before),
                    num(*after)
                )));
            }
        }
        Ok(())
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// `float32`, `int64`, ...
pub(crate) fn kind_name(kind: Kind) -> String {
    match crate::value::DType::from_kind(kind) {
        Some(crate::value::DType::F32) => "float32".into(),
        Some(crate::value::DType::F64) => "float64".into(),
        Some(crate::value::DType::F16) => "float16".into(),
        Some(crate::value::DType::Bf16) => "bfloat16".into(),
        Some(crate::value::DType::I64) => "int64".into(),
        Some(crate::value::DType::I32) => "int32".into(),
        Some(crate::value::DType::I16) => "int16".into(),
        Some(crate::value::DType::I8) => "int8".into(),
        Some(crate::value::DType::U8) => "uint8".into(),
        Some(crate::value::DType::Bool) => "bool".into(),
        None => format!("{kind:?}").to_lowercase(),
    }
}
