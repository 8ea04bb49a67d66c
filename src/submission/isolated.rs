use super::{CallError, Request, Response, Submission};
use crate::rubric::Limits;
use crate::value::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

/// Largest response line accepted from a runner (a response holds tensors).
const MAX_RESPONSE_BYTES: u64 = 512 << 20;

/// How to start a submission's runner process.
#[derive(Debug, Clone)]
pub struct RunnerCommand {
    /// The runner binary built from the submission.
    pub program: PathBuf,
    /// Its working directory: a fresh temporary directory, nothing else in it.
    pub workdir: PathBuf,
    /// Resource limits.
    pub limits: Limits,
}

/// Runs a submission's functions in a runner child process.
///
/// The process starts on the first call, in its own process group, with a
/// clean environment and the rubric's limits (address space, CPU time, file
/// size, no core dumps). A call that outlives its deadline has the whole
/// process group killed and is reported as timed out; a process that dies
/// is reported as crashed (or out of memory). Either way the next call starts
/// a fresh process, so one bad check costs only itself.
pub struct Isolated {
    command: RunnerCommand,
    running: Option<Running>,
    next_id: u64,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    responses: mpsc::Receiver<Vec<u8>>,
    stderr: Arc<Mutex<CappedText>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        kill_group(&self.child);
        let _ = self.child.wait();
    }
}

fn kill_group(child: &Child) {
    // The child called setsid(), so its pid is its process group id.
    // SAFETY: plain kill(2) on a process group we created.
    unsafe {
        libc::kill(-(child.id() as i32), libc::SIGKILL);
    }
}

/// The first `cap` bytes of a stream, and how many more were dropped.
#[derive(Default)]
struct CappedText {
    kept: Vec<u8>,
    dropped: usize,
    cap: usize,
}

impl CappedText {
    fn tail(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.kept);
        let mut out: String = if text.len() > max {
            let start = text.len() - max;
            let start = (start..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            format!("…{}", &text[start..])
        } else {
            text.into_owned()
        };
        if self.dropped > 0 {
            out.push_str(&format!("\n[{} more bytes of output were dropped]", self.dropped));
        }
        out
    }
}

impl Isolated {
    /// A submission whose runner is started on demand.
    pub fn new(command: RunnerCommand) -> Self {
        Isolated { command, running: None, next_id: 0 }
    }

    fn start(&self) -> std::io::Result<Running> {
        let limits = self.command.limits.clone();
        let mut cmd = Command::new(&self.command.program);
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &self.command.workdir)
            .env("TMPDIR", &self.command.workdir)
            .env("OMP_NUM_THREADS", "1")
            .env("RUST_BACKTRACE", "0")
            .current_dir(&self.command.workdir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: only async-signal-safe calls (setsid, setrlimit) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let set = |res, value: u64| {
                    let lim = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
                    libc::setrlimit(res, &lim)
                };
                set(libc::RLIMIT_AS, limits.memory_mb << 20);
                set(libc::RLIMIT_CPU, limits.cpu_s);
                set(libc::RLIMIT_FSIZE, limits.file_size_mb << 20);
                set(libc::RLIMIT_CORE, 0);
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        let (Some(stdin), Some(stdout), Some(stderr_pipe)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_group(&child);
            return Err(std::io::Error::other("runner pipes missing"));
        };
        let (tx, responses) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match (&mut reader).take(MAX_RESPONSE_BYTES).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(CappedText { cap: limits.output_bytes, ..Default::default() }));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut pipe = stderr_pipe;
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let Ok(mut text) = sink.lock() else { break };
                let room = text.cap.saturating_sub(text.kept.len()).min(n);
                text.kept.extend_from_slice(&buf[..room]);
                text.dropped += n - room;
            }
        });
        Ok(Running { child, stdin, responses, stderr })
    }

    /// Describes how the runner died and drops it.
    fn died(&mut self) -> CallError {
        let Some(mut running) = self.running.take() else {
            return CallError::Crashed { reason: "the runner is not running".into(), stderr_tail: String::new() };
        };
        let status = running.child.wait();
        // Give the stderr reader a moment to drain what the process wrote last.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let stderr_tail = running.stderr.lock().map(|t| t.tail(2000)).unwrap_or_default();
        let out_of_memory = stderr_tail.contains("memory allocation of")
            || stderr_tail.contains("can't allocate memory")
            || stderr_tail.contains("std::bad_alloc");
        if out_of_memory {
            return CallError::OutOfMemory { limit_mb: self.command.limits.memory_mb, stderr_tail };
        }
        let reason = match status {
            Ok(s) => match (s.signal(), s.code()) {
                (Some(sig), _) => signal_words(sig),
                (None, Some(code)) => format!(
                    "the process exited with status {code} in the middle of the call \
                     (does your code call `std::process::exit`?)"
                ),
                (None, None) => "the process ended for an unknown reason".into(),
            },
            Err(e) => format!("the process could not be waited for: {e}"),
        };
        CallError::Crashed { reason, stderr_tail }
    }
}

fn signal_words(sig: i32) -> String {
    match sig {
        libc::SIGSEGV => "the process crashed with a segmentation fault (SIGSEGV): an invalid memory access, \
                          usually from `unsafe` code or an out-of-bounds raw pointer"
            .into(),
        libc::SIGABRT => "the process aborted (SIGABRT): `std::process::abort`, a double panic, or a fatal \
                          libtorch error"
            .into(),
        libc::SIGXCPU => "the process used up its CPU-time limit (SIGXCPU)".into(),
        libc::SIGBUS => "the process crashed with a bus error (SIGBUS)".into(),
        libc::SIGFPE => "the process crashed with an arithmetic exception (SIGFPE)".into(),
        libc::SIGILL => "the process crashed on an illegal instruction (SIGILL)".into(),
        libc::SIGKILL => "the process was killed (SIGKILL), possibly for using too much memory".into(),
        other => format!("the process was killed by signal {other}"),
    }
}

impl Submission for Isolated {
    fn call(&mut self, function: &str, args: Vec<Value>, seed: u64, deadline: Instant) -> Result<Vec<Value>, CallError> {
        if self.running.is_none() {
            match self.start() {
                Ok(r) => self.running = Some(r),
                Err(e) => {
                    return Err(CallError::Crashed {
                        reason: format!("the runner {} could not start: {e}", self.command.program.display()),
                        stderr_tail: String::new(),
                    })
                }
            }
        }
        self.next_id += 1;
        let id = self.next_id;
        let request = Request { id, function: function.to_string(), args, seed };
        let Some(running) = self.running.as_mut() else { return Err(self.died()) };
        let mut line = serde_json::to_vec(&request).map_err(|e| CallError::Protocol(e.to_string()))?;
        line.push(b'\n');
        if running.stdin.write_all(&line).and_then(|_| running.stdin.flush()).is_err() {
            return Err(self.died());
        }
        let limit = deadline.saturating_duration_since(Instant::now());
        match running.responses.recv_timeout(limit) {
            Ok(bytes) => match serde_json::from_slice::<Response>(&bytes) {
                Ok(r) if r.id == id => r.result,
                Ok(r) => {
                    self.running = None;
                    Err(CallError::Protocol(format!("response {} to request {id}", r.id)))
                }
                Err(e) => {
                    self.running = None;
                    Err(CallError::Protocol(format!("the runner's response is not valid: {e}")))
                }
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.running = None; // Drop kills the process group.
                Err(CallError::TimedOut { limit_s: limit.as_secs_f64() })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.died()),
        }
    }

    fn mode(&self) -> &'static str {
        "isolated"
    }
}
