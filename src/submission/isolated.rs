use super::{CallError, Request, Response, Submission};
use crate::rubric::Limits;
use crate::sandbox::{self, CappedOutput, Policy};
use crate::value::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// The sandbox: file-system view, network and user. Its working directory,
    /// resource limits and parent-death signal are filled in from the fields
    /// above when the runner starts.
    pub policy: Policy,
}

/// Runs a submission's functions in a runner child process.
///
/// The process starts on the first call, in its own session and process
/// group, with a clean environment, the rubric's limits (address space, CPU
/// time, file size, processes, no core dumps) and the sandbox of
/// [`RunnerCommand::policy`]. A call that outlives its deadline has the
/// process group killed, and every process of the runner's user, and is
/// reported as timed out; a process that dies is reported as crashed (or out
/// of memory). Either way the next call starts a fresh process, so one bad
/// check costs only itself.
pub struct Isolated {
    command: RunnerCommand,
    running: Option<Running>,
    next_id: u64,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    responses: mpsc::Receiver<Vec<u8>>,
    output: Arc<Mutex<CappedOutput>>,
    uid: Option<u32>,
    /// Removed after the processes above are gone (fields drop after `drop`).
    memory: Option<sandbox::MemoryCgroup>,
}

impl Drop for Running {
    fn drop(&mut self) {
        sandbox::kill_group(self.child.id());
        let _ = self.child.wait();
        // Whatever it started and left behind (a fork that called setsid(), say).
        if let Some(uid) = self.uid {
            sandbox::sweep_uid(uid);
        }
    }
}

impl Isolated {
    /// A submission whose runner is started on demand.
    pub fn new(command: RunnerCommand) -> Self {
        Isolated { command, running: None, next_id: 0 }
    }

    fn start(&self) -> Result<Running, String> {
        let limits = &self.command.limits;
        let mut policy = self.command.policy.clone();
        policy.workdir = Some(self.command.workdir.clone());
        policy.rlimits = sandbox::runner_rlimits(limits);
        policy.die_with_parent = true;
        let caps = sandbox::capabilities();
        let uid = policy.uid.filter(|_| caps.users.is_ok());
        let mut cmd = Command::new(&self.command.program);
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &self.command.workdir)
            .env("TMPDIR", &self.command.workdir)
            .env("OMP_NUM_THREADS", "1")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        policy.apply(&mut cmd, caps).map_err(|e| e.to_string())?;
        let memory = policy.memory_cgroup(caps, limits.memory_mb << 20)?;
        let mut child = spawn_retrying_busy(&mut cmd).map_err(|e| e.to_string())?;
        let give_up = |mut child: Child, why: String| {
            sandbox::kill_group(child.id());
            let _ = child.wait();
            Err(why)
        };
        // Student code runs only once a request arrives, so joining now is in time.
        if let Some(Err(e)) = memory.as_ref().map(|cgroup| cgroup.add(child.id())) {
            return give_up(child, e);
        }
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
            return give_up(child, "the runner's pipes are missing".into());
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
        // The runner points its stdout at stderr, so this is everything the student's code prints.
        let output = sandbox::capture(stderr, limits.output_bytes);
        Ok(Running { child, stdin, responses, output, uid, memory })
    }

    /// Describes how the runner died and drops it.
    fn died(&mut self) -> CallError {
        let Some(mut running) = self.running.take() else {
            return CallError::Crashed { reason: "the runner is not running".into(), stderr_tail: String::new() };
        };
        let status = running.child.wait();
        // Give the output reader a moment to drain what the process wrote last.
        std::thread::sleep(Duration::from_millis(50));
        let stderr_tail = running.output.lock().map(|o| o.tail_text(2000)).unwrap_or_default();
        let cgroup_out_of_memory = running.memory.as_ref().is_some_and(|m| m.out_of_memory());
        drop(running);
        let out_of_memory = cgroup_out_of_memory
            || stderr_tail.contains("memory allocation of")
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
        libc::SIGXFSZ => "the process wrote a file larger than the file-size limit (SIGXFSZ)".into(),
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
                self.running = None; // Drop kills the process group and the runner's user.
                Err(CallError::TimedOut { limit_s: limit.as_secs_f64() })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.died()),
        }
    }

    fn mode(&self) -> &'static str {
        "isolated"
    }
}

/// Spawns `cmd`, trying again for a second while exec says "Text file busy".
///
/// The runner was just written into the sandbox by this process, and while
/// another thread (grading another submission) forks, its child holds a copy
/// of every descriptor, the runner's write descriptor included, until it
/// execs and close-on-exec drops it: an exec of the runner in that window
/// fails with ETXTBSY. The window is short; waiting it out is the usual cure.
fn spawn_retrying_busy(cmd: &mut std::process::Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
