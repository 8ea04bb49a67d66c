//! Gradient-check benchmark (not a timed test): gradwork's gradcheck against
//! PyTorch's own `torch.autograd.gradcheck`, slow and fast mode, on the loss
//! of two MLPs (2→64→64→2 and 784→256→10, tanh, cross-entropy), run through
//! the Python of the project's torch install. Prints one table: evaluations,
//! wall time, ratio to PyTorch.
//!
//! `cargo bench --bench gradcheck`
//!
//! Both sides run libtorch on one thread, in float64, with eps 1e-6, atol
//! 1e-5, rtol 1e-3, the backward by autograd. Slow mode on 784→256→10 checks
//! only the output layer (W2, b2: 2,570 entries) with x, W1 and b1 held fixed,
//! on both sides: the full slow check would need 430,000 evaluations. Runs of
//! the two tools alternate (PyTorch in a worker process started once), and
//! each time is the best of 7 runs (fast) or 3 (slow), so that both see the
//! same load on a shared machine. If `import torch` fails, the PyTorch rows
//! are skipped with the reason and how to install what it needs.

use gradwork::gradcheck::{gradcheck, Autograd, GradcheckOptions, Mode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;
use tch::{Kind, Tensor};

/// One benchmark case.
struct Case {
    /// `2-64-64-2`
    net: &'static str,
    sizes: &'static [i64],
    batch: i64,
    mode: Mode,
    /// Check only the last layer's weight and bias (the others held fixed).
    last_layer_only: bool,
}

const CASES: [Case; 4] = [
    Case { net: "2-64-64-2", sizes: &[2, 64, 64, 2], batch: 32, mode: Mode::Slow, last_layer_only: false },
    Case { net: "2-64-64-2", sizes: &[2, 64, 64, 2], batch: 32, mode: Mode::Fast, last_layer_only: false },
    Case { net: "784-256-10", sizes: &[784, 256, 10], batch: 16, mode: Mode::Slow, last_layer_only: true },
    Case { net: "784-256-10", sizes: &[784, 256, 10], batch: 16, mode: Mode::Fast, last_layer_only: false },
];

/// A measured run.
#[derive(Debug, Clone)]
struct Run {
    evaluations: usize,
    seconds: f64,
}

fn normal(rng: &mut StdRng) -> f64 {
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn randn(rng: &mut StdRng, shape: &[i64], scale: f64) -> Tensor {
    let n = shape.iter().product::<i64>() as usize;
    let v: Vec<f64> = (0..n).map(|_| scale * normal(rng)).collect();
    Tensor::from_slice(&v).view(shape)
}

/// x, then (W, b) per layer, and the class targets.
fn inputs(case: &Case) -> (Vec<Tensor>, Tensor) {
    let mut rng = StdRng::seed_from_u64(0);
    let mut tensors = vec![randn(&mut rng, &[case.batch, case.sizes[0]], 1.0)];
    for pair in case.sizes.windows(2) {
        tensors.push(randn(&mut rng, &[pair[1], pair[0]], 1.0 / (pair[0] as f64).sqrt()));
        tensors.push(randn(&mut rng, &[pair[1]], 0.1));
    }
    let classes = *case.sizes.last().unwrap_or(&2);
    let targets: Vec<i64> = (0..case.batch).map(|_| rng.random_range(0..classes)).collect();
    (tensors, Tensor::from_slice(&targets))
}

/// Cross-entropy of the tanh MLP whose x and parameters are `t`.
fn loss(t: &[Tensor], targets: &Tensor) -> Tensor {
    let layers = (t.len() - 1) / 2;
    let mut h = t[0].shallow_clone();
    for l in 0..layers {
        h = h.linear(&t[1 + 2 * l], Some(&t[2 + 2 * l]));
        if l + 1 < layers {
            h = h.tanh();
        }
    }
    // Not `cross_entropy_for_logits`: tch computes its log-softmax in float32.
    h.log_softmax(-1, Kind::Double).nll_loss(targets)
}

fn run_gradwork(case: &Case) -> Run {
    let (all, targets) = inputs(case);
    let options = GradcheckOptions { mode: case.mode, ..GradcheckOptions::default() };
    let started = Instant::now();
    let report = if case.last_layer_only {
        let fixed: Vec<Tensor> = all[..all.len() - 2].iter().map(|t| t.shallow_clone()).collect();
        let mut target = Autograd {
            f: |t: &[Tensor]| {
                let mut full: Vec<Tensor> = fixed.iter().map(|t| t.shallow_clone()).collect();
                full.extend(t.iter().map(|t| t.shallow_clone()));
                vec![loss(&full, &targets)]
            },
        };
        gradcheck(&mut target, &all[all.len() - 2..], &options)
    } else {
        let mut target = Autograd { f: |t: &[Tensor]| vec![loss(t, &targets)] };
        gradcheck(&mut target, &all, &options)
    };
    let seconds = started.elapsed().as_secs_f64();
    match report {
        Ok(r) => Run { evaluations: r.evaluations, seconds },
        Err(failure) => panic!("gradcheck of a correct MLP failed ({}): {failure:?}", case.net),
    }
}

/// The PyTorch side, a worker answering one JSON line per request
/// (`[net, sizes, batch, fast, last_layer_only]`) with one run of
/// `torch.autograd.gradcheck` on the same net, sizes and settings.
const PYTHON: &str = r#"
import json, sys, time
try:
    import torch
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    sys.exit(0)
torch.set_num_threads(1)
print(json.dumps({"ready": torch.__version__}), flush=True)

def case(sizes, batch):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, sizes[0], dtype=torch.float64, generator=g)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.append(torch.randn(b, a, dtype=torch.float64, generator=g) / a ** 0.5)
        params.append(0.1 * torch.randn(b, dtype=torch.float64, generator=g))
    targets = torch.randint(0, sizes[-1], (batch,), generator=g)
    return [x] + params, targets

def loss(t, targets):
    layers = (len(t) - 1) // 2
    h = t[0]
    for l in range(layers):
        h = torch.nn.functional.linear(h, t[1 + 2 * l], t[2 + 2 * l])
        if l + 1 < layers:
            h = torch.tanh(h)
    return torch.nn.functional.cross_entropy(h, targets)

for line in sys.stdin:
    net, sizes, batch, fast, last_only = json.loads(line)
    tensors, targets = case(sizes, batch)
    calls = [0]
    if last_only:
        fixed, checked = tensors[:-2], [t.clone().requires_grad_(True) for t in tensors[-2:]]
        def f(*t):
            calls[0] += 1
            return loss(fixed + list(t), targets)
    else:
        checked = [t.clone().requires_grad_(True) for t in tensors]
        def f(*t):
            calls[0] += 1
            return loss(list(t), targets)
    start = time.perf_counter()
    ok = torch.autograd.gradcheck(f, tuple(checked), eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=fast)
    seconds = time.perf_counter() - start
    print(json.dumps({"ok": ok, "evaluations": calls[0], "seconds": seconds}), flush=True)
"#;

/// The venv's Python: `LIB_DIR` is `<venv>/lib/python3.11/site-packages/torch/lib`.
fn python() -> PathBuf {
    let lib = PathBuf::from(gradwork::libtorch::LIB_DIR);
    lib.ancestors().nth(5).map(|venv| venv.join("bin").join("python")).unwrap_or_else(|| PathBuf::from("python3"))
}

/// A running PyTorch worker.
struct PyTorch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl PyTorch {
    /// Starts the worker, or says why PyTorch cannot run.
    fn start() -> Result<PyTorch, String> {
        let python = python();
        if !python.exists() {
            return Err(format!("no Python at {} (the venv of the project's torch install)", python.display()));
        }
        let mut child = Command::new(&python)
            .arg("-c")
            .arg(PYTHON)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not run {}: {e}", python.display()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("could not talk to the Python worker".into());
        };
        let mut worker = PyTorch { child, stdin, stdout: BufReader::new(stdout) };
        let hello = worker.read()?;
        if let Some(error) = hello.get("error").and_then(|e| e.as_str()) {
            return Err(format!("`import torch` failed in {}: {error}", python.display()));
        }
        Ok(worker)
    }

    fn read(&mut self) -> Result<serde_json::Value, String> {
        let mut line = String::new();
        self.stdout.read_line(&mut line).map_err(|e| format!("the Python worker stopped: {e}"))?;
        if line.is_empty() {
            return Err("the Python worker exited".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("unreadable answer {line:?}: {e}"))
    }

    /// One run of PyTorch's gradcheck on `case`.
    fn run(&mut self, case: &Case) -> Result<Run, String> {
        let request = serde_json::json!([case.net, case.sizes, case.batch, case.mode == Mode::Fast, case.last_layer_only]);
        writeln!(self.stdin, "{request}").map_err(|e| format!("the Python worker stopped: {e}"))?;
        let answer = self.read()?;
        if answer["ok"].as_bool() != Some(true) {
            return Err(format!("PyTorch's gradcheck did not pass on {}: {answer}", case.net));
        }
        Ok(Run {
            evaluations: answer["evaluations"].as_u64().unwrap_or(0) as usize,
            seconds: answer["seconds"].as_f64().unwrap_or(f64::NAN),
        })
    }
}

impl Drop for PyTorch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn faster(best: Option<Run>, run: Run) -> Option<Run> {
    match best {
        Some(b) if b.seconds <= run.seconds => Some(b),
        _ => Some(run),
    }
}

fn checked(case: &Case) -> String {
    let (all, _) = inputs(case);
    let tensors = if case.last_layer_only { &all[all.len() - 2..] } else { &all[..] };
    let n: usize = tensors.iter().map(|t| t.numel()).sum();
    let what = if case.last_layer_only { "W2, b2 only" } else { "x and all weights" };
    format!("{what} ({n} entries)")
}

fn main() {
    tch::set_num_threads(1);
    let mut pytorch = PyTorch::start();
    let mut ours: Vec<Run> = Vec::new();
    let mut theirs: Vec<Option<Run>> = Vec::new();
    for case in &CASES {
        // Interleaved trials, so that both sides see the same load on a shared machine.
        let trials = if case.mode == Mode::Fast { 7 } else { 3 };
        let (mut best_ours, mut best_theirs) = (None, None);
        for _ in 0..trials {
            best_ours = faster(best_ours, run_gradwork(case));
            if let Ok(worker) = pytorch.as_mut() {
                match worker.run(case) {
                    Ok(run) => best_theirs = faster(best_theirs, run),
                    Err(why) => pytorch = Err(why),
                }
            }
        }
        ours.extend(best_ours);
        theirs.push(best_theirs);
    }
    println!("gradcheck benchmark: float64, 1 thread, eps 1e-6, atol 1e-5, rtol 1e-3; backward by autograd on both sides");
    println!("(evaluations: calls of the function; wall time: best of 7 interleaved runs for fast mode, of 3 for slow;");
    println!(" gradwork's fast mode: 3 probes, plus its zero-cotangent and repeat-backward checks)\n");
    println!("| net | checked | mode | tool | evaluations | wall time | ratio to PyTorch |");
    println!("|---|---|---|---|---:|---:|---:|");
    for ((case, mine), other) in CASES.iter().zip(&ours).zip(&theirs) {
        let mode = if case.mode == Mode::Slow { "slow" } else { "fast" };
        let ratio = other.as_ref().map_or("n/a".to_string(), |p| format!("{:.2}", mine.seconds / p.seconds));
        let row = |tool: &str, run: &Run, ratio: &str| {
            println!("| {} | {} | {mode} | {tool} | {} | {} | {ratio} |", case.net, checked(case), run.evaluations, seconds(run.seconds));
        };
        row("gradwork", mine, &ratio);
        if let Some(p) = other {
            row("PyTorch", p, "1.00");
        }
    }
    if let Err(why) = pytorch {
        println!("\nPyTorch rows skipped: {why}");
        println!(
            "(`make setup` installs torch without its Python dependencies, for libtorch only. To compare, install \
             torch with them into a directory of your choice, about 4 GB, and put it on PYTHONPATH: \
             `<venv>/bin/python -m pip install --target DIR torch==2.13.0`, then \
             `PYTHONPATH=DIR cargo bench --bench gradcheck`.)"
        );
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}
