//! The numerical comparison: slow mode (every Jacobian entry) and fast mode
//! (random projections vᵀJu, traced to a block and pinned by a slow pass).

use super::evaluate::Evaluator;
use super::gaussian::{standard_normal, Xoshiro256};
use super::message::{self, Entry, Projection};
use super::GradcheckOptions;
use crate::suite::Failure;
use rand::Rng;

/// Slow mode refuses Jacobians with more entries than this (8 bytes each).
const MAX_SLOW_ENTRIES: usize = 50_000_000;

/// A failing fast-mode block is checked entry by entry when that costs at most
/// this many calls (two forward per input element, one vjp per output
/// element); larger blocks are bisected instead, about 2·log₂(n) calls.
const PIN_BUDGET: usize = 2_000;

/// `|a − n| / allowed`: below 1 passes, infinite for NaN or a mismatched infinity.
pub(crate) fn error_ratio(numerical: f64, analytical: f64, allowed: f64) -> f64 {
    if !numerical.is_finite() || !analytical.is_finite() {
        return if numerical == analytical { 0.0 } else { f64::INFINITY };
    }
    let diff = (analytical - numerical).abs();
    if diff == 0.0 {
        0.0
    } else if allowed > 0.0 {
        diff / allowed
    } else {
        f64::INFINITY
    }
}

/// Gaussian values, normalised to unit length over all parts together.
pub(crate) fn unit_gaussian(rng: &mut impl Rng, sizes: &[usize]) -> Vec<Vec<f64>> {
    let mut fast = Xoshiro256::from_rng(rng);
    let mut parts: Vec<Vec<f64>> = sizes.iter().map(|&n| (0..n).map(|_| standard_normal(&mut fast)).collect()).collect();
    let norm = parts.iter().flatten().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        parts.iter_mut().flatten().for_each(|x| *x /= norm);
    }
    parts
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn l1(a: &[f64]) -> f64 {
    a.iter().map(|x| x.abs()).sum()
}

/// The outcome of a slow pass over some blocks.
pub(crate) struct SlowPass {
    /// The entry with the largest error ratio, if any entry was compared.
    pub worst: Option<Entry>,
    /// Largest error ratio.
    pub max_ratio: f64,
}

/// Slow mode over every output and input.
pub(crate) fn slow_all(ev: &mut Evaluator<'_>, options: &GradcheckOptions) -> Result<f64, Failure> {
    let inputs: Vec<usize> = (0..ev.input_numels().len()).collect();
    let outputs: Vec<usize> = (0..ev.output_numels().len()).collect();
    let pass = slow(ev, options, &inputs, &outputs)?;
    match pass.worst {
        Some(entry) if pass.max_ratio > 1.0 => Err(message::element_failure(ev, &entry, options, None)),
        _ => Ok(pass.max_ratio),
    }
}

/// Compares every entry of the blocks d output[k] / d input[i] for the given
/// inputs and outputs: two forward evaluations per input element, one vjp per
/// output element.
pub(crate) fn slow(ev: &mut Evaluator<'_>, options: &GradcheckOptions, inputs: &[usize], outputs: &[usize]) -> Result<SlowPass, Failure> {
    let in_n = ev.input_numels();
    let out_n = ev.output_numels();
    let entries: usize = inputs.iter().map(|&i| in_n[i]).sum::<usize>() * outputs.iter().map(|&k| out_n[k]).sum::<usize>();
    if entries > MAX_SLOW_ENTRIES {
        return Err(Failure::Grader(format!(
            "slow mode would hold a Jacobian of {entries} entries; use Mode::Fast, or check fewer inputs at a time"
        )));
    }
    // numerical[(i, k)][j * out_n[k] + m] = d output[k][m] / d input[i][j]
    let mut numerical: Vec<Vec<f64>> = Vec::with_capacity(inputs.len() * outputs.len());
    for &i in inputs {
        let mut blocks: Vec<Vec<f64>> = outputs.iter().map(|&k| Vec::with_capacity(in_n[i] * out_n[k])).collect();
        for j in 0..in_n[i] {
            let x = ev.originals[i][j];
            ev.set(i, j, x + options.eps)?;
            let plus = ev.forward(None)?;
            ev.set(i, j, x - options.eps)?;
            let minus = ev.forward(None)?;
            ev.set(i, j, x)?;
            for (block, &k) in blocks.iter_mut().zip(outputs) {
                block.extend(plus[k].iter().zip(&minus[k]).map(|(p, q)| (p - q) / (2.0 * options.eps)));
            }
        }
        numerical.extend(blocks);
    }
    let mut pass = SlowPass { worst: None, max_ratio: 0.0 };
    let mut counts = vec![0usize; inputs.len() * outputs.len()];
    let mut cotangent: Vec<Vec<f64>> = out_n.iter().map(|&m| vec![0.0; m]).collect();
    for (ko, &k) in outputs.iter().enumerate() {
        for m in 0..out_n[k] {
            cotangent[k][m] = 1.0;
            let rows = ev.vjp(&cotangent)?;
            cotangent[k][m] = 0.0;
            for (io, &i) in inputs.iter().enumerate() {
                let block = &numerical[io * outputs.len() + ko];
                for j in 0..in_n[i] {
                    let n = block[j * out_n[k] + m];
                    let a = rows[i][j];
                    let allowed = options.atol + options.rtol * n.abs();
                    let ratio = error_ratio(n, a, allowed);
                    if ratio > 1.0 {
                        counts[io * outputs.len() + ko] += 1;
                    }
                    if pass.worst.is_none() || ratio > pass.max_ratio {
                        pass.max_ratio = pass.max_ratio.max(ratio);
                        pass.worst = Some(Entry {
                            output: k,
                            out_index: m,
                            input: i,
                            in_index: j,
                            numerical: n,
                            analytical: a,
                            allowed,
                            mismatched: Some(0),
                            total: in_n[i] * out_n[k],
                        });
                    }
                }
            }
        }
    }
    if let Some(w) = pass.worst.as_mut() {
        let io = inputs.iter().position(|&i| i == w.input).unwrap_or(0);
        let ko = outputs.iter().position(|&k| k == w.output).unwrap_or(0);
        w.mismatched = Some(counts[io * outputs.len() + ko]);
    }
    Ok(pass)
}

/// Fast mode: `probes` random projections; the first reuses the cotangent
/// `v` and its vjp from the preliminary checks. With a single output element
/// (a loss), every `v` is ±1, so later probes reuse that vjp with its sign
/// instead of calling backward again.
pub(crate) fn fast(
    ev: &mut Evaluator<'_>,
    options: &GradcheckOptions,
    rng: &mut impl Rng,
    first: (Vec<Vec<f64>>, Vec<Vec<f64>>),
) -> Result<f64, Failure> {
    let in_n = ev.input_numels();
    let out_n = ev.output_numels();
    let scalar_output = out_n.iter().sum::<usize>() == 1;
    let all: Vec<usize> = (0..in_n.len()).collect();
    let mut max_ratio: f64 = 0.0;
    let (first_v, first_g) = first;
    for probe in 0..options.probes {
        let u = unit_gaussian(rng, &in_n);
        let (v, g) = if probe == 0 {
            (first_v.clone(), first_g.clone())
        } else {
            let v = unit_gaussian(rng, &out_n);
            let g = if scalar_output {
                let sign = dot(&v.concat(), &first_v.concat()); // ±1
                first_g.iter().map(|gi| gi.iter().map(|x| x * sign).collect()).collect()
            } else {
                ev.vjp(&v)?
            };
            (v, g)
        };
        let jvp = directional(ev, &u, options.eps, &all)?;
        let numerical: f64 = v.iter().zip(&jvp).map(|(vk, jk)| dot(vk, jk)).sum();
        let analytical: f64 = g.iter().zip(&u).map(|(gi, ui)| dot(gi, ui)).sum();
        let u_l1: f64 = u.iter().map(|x| l1(x)).sum();
        let v_l1: f64 = v.iter().map(|x| l1(x)).sum();
        let allowed = options.atol * u_l1 * v_l1 + options.rtol * numerical.abs();
        let ratio = error_ratio(numerical, analytical, allowed);
        max_ratio = max_ratio.max(ratio);
        if ratio > 1.0 {
            let joint = Projection { output: None, input: None, numerical, analytical, allowed, ratio };
            return Err(pin(ev, options, &u, &v, joint)?);
        }
    }
    Ok(max_ratio)
}

/// J·direction by central differences, per output, moving the inputs in `which`.
fn directional(ev: &mut Evaluator<'_>, direction: &[Vec<f64>], eps: f64, which: &[usize]) -> Result<Vec<Vec<f64>>, Failure> {
    let steps = ev.steps(direction, eps, which)?;
    let plus = ev.moved(&steps, 1.0)?;
    let f_plus = ev.forward(Some(&plus))?;
    drop(plus);
    let minus = ev.moved(&steps, -1.0)?;
    let f_minus = ev.forward(Some(&minus))?;
    Ok(f_plus.iter().zip(&f_minus).map(|(p, q)| p.iter().zip(q).map(|(a, b)| (a - b) / (2.0 * eps)).collect()).collect())
}

/// Traces a failing projection to its worst output/input block, then finds
/// the element: entry by entry when the block is small, by bisection when it
/// is large. Returns the failure to report.
fn pin(ev: &mut Evaluator<'_>, options: &GradcheckOptions, u: &[Vec<f64>], v: &[Vec<f64>], joint: Projection) -> Result<Failure, Failure> {
    let (in_n, out_n) = (ev.input_numels(), ev.output_numels());
    // Per-input directional derivatives: J[:, i]·u_i for every output.
    let mut per_input = Vec::with_capacity(in_n.len());
    for i in 0..in_n.len() {
        per_input.push(directional(ev, u, options.eps, &[i])?);
    }
    // Per-output analytical rows v_kᵀ J[k, :], compared block by block.
    let mut worst: Option<(usize, usize, Projection, Vec<f64>)> = None;
    for k in 0..out_n.len() {
        let mut cotangent: Vec<Vec<f64>> = out_n.iter().map(|&m| vec![0.0; m]).collect();
        cotangent[k].clone_from(&v[k]);
        let mut g = ev.vjp(&cotangent)?;
        for i in 0..in_n.len() {
            let numerical = dot(&v[k], &per_input[i][k]);
            let analytical = dot(&g[i], &u[i]);
            let allowed = options.atol * l1(&u[i]) * l1(&v[k]) + options.rtol * numerical.abs();
            let ratio = error_ratio(numerical, analytical, allowed);
            if worst.as_ref().is_none_or(|(_, _, w, _)| ratio > w.ratio) {
                let projection = Projection { output: Some(k), input: Some(i), numerical, analytical, allowed, ratio };
                worst = Some((k, i, projection, std::mem::take(&mut g[i])));
            }
        }
    }
    let Some((k, i, block, row)) = worst else {
        return Err(Failure::Grader("a fast-mode probe failed, but the function has no inputs or outputs".into()));
    };
    let found = if 2 * in_n[i] + out_n[k] <= PIN_BUDGET {
        let pass = slow(ev, options, &[i], &[k])?;
        pass.worst.filter(|_| pass.max_ratio > 1.0)
    } else {
        bisect(ev, options, (k, i), &u[i], &v[k], &row, block.analytical - block.numerical)?
    };
    Ok(match found {
        Some(entry) => message::element_failure(ev, &entry, options, Some(&block)),
        // No single entry is out of tolerance: report the projection that failed.
        None if block.ratio > 1.0 => message::projection_failure(ev, &block, options),
        None => message::projection_failure(ev, &joint, options),
    })
}

/// Finds a wrong entry of the block (output k, input i) from the failing
/// projection `v_kᵀ J u_i`: halves the support of `u_i` while keeping the
/// half with the larger error (`error` is that of the whole support; `row` is
/// the analytical `v_kᵀ J[k, i]`), then checks the column of the element
/// found against one vjp per output element.
fn bisect(
    ev: &mut Evaluator<'_>,
    options: &GradcheckOptions,
    (k, i): (usize, usize),
    u_i: &[f64],
    v_k: &[f64],
    row: &[f64],
    error: f64,
) -> Result<Option<Entry>, Failure> {
    let (in_n, out_n) = (ev.input_numels(), ev.output_numels());
    let (mut lo, mut hi, mut error) = (0, u_i.len(), error);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let mut direction: Vec<Vec<f64>> = in_n.iter().map(|_| Vec::new()).collect();
        direction[i] = vec![0.0; u_i.len()];
        direction[i][lo..mid].copy_from_slice(&u_i[lo..mid]);
        let jvp = directional(ev, &direction, options.eps, &[i])?;
        let left = dot(&row[lo..mid], &u_i[lo..mid]) - dot(v_k, &jvp[k]);
        let right = error - left;
        if left.abs() >= right.abs() {
            (hi, error) = (mid, left);
        } else {
            (lo, error) = (mid, right);
        }
    }
    let j = lo;
    if out_n[k] > PIN_BUDGET {
        return Ok(None);
    }
    // The column d output[k] / d input[i][j], numerically and by one vjp per output element.
    let x = ev.originals[i][j];
    ev.set(i, j, x + options.eps)?;
    let plus = ev.forward(None)?;
    ev.set(i, j, x - options.eps)?;
    let minus = ev.forward(None)?;
    ev.set(i, j, x)?;
    let mut cotangent: Vec<Vec<f64>> = out_n.iter().map(|&m| vec![0.0; m]).collect();
    let mut worst: Option<(f64, Entry)> = None;
    for m in 0..out_n[k] {
        let numerical = (plus[k][m] - minus[k][m]) / (2.0 * options.eps);
        cotangent[k][m] = 1.0;
        let analytical = ev.vjp(&cotangent)?[i][j];
        cotangent[k][m] = 0.0;
        let allowed = options.atol + options.rtol * numerical.abs();
        let ratio = error_ratio(numerical, analytical, allowed);
        if worst.as_ref().is_none_or(|(r, _)| ratio > *r) {
            let entry = Entry {
                output: k,
                out_index: m,
                input: i,
                in_index: j,
                numerical,
                analytical,
                allowed,
                mismatched: None,
                total: in_n[i] * out_n[k],
            };
            worst = Some((ratio, entry));
        }
    }
    Ok(worst.filter(|(r, _)| *r > 1.0).map(|(_, e)| e))
}
