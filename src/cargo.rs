//! Running cargo for graders and submissions, with the same libtorch
//! settings every time so that the shared build cache stays warm.

mod messages;

use crate::sandbox::{self, CappedOutput, MemoryCgroup};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Errors running cargo.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// cargo could not be started.
    #[error("cannot run cargo ({0}): is Rust installed and `cargo` on PATH?")]
    Spawn(std::io::Error),
    /// The build failed.
    #[error("{summary}")]
    Failed {
        /// first error, rendered as rustc prints it
        summary: String,
        /// primary location of the first error: file (relative to the workspace) and line
        location: Option<(String, usize)>,
    },
    /// The build succeeded but produced no such binary.
    #[error("cargo built no binary named `{0}`")]
    NoBinary(String),
    /// The build was stopped at one of its limits (its process tree killed).
    #[error("{limit}")]
    Stopped {
        /// which limit
        limit: Stopped,
        /// what the compiler had said until then (its first messages, then cargo's last lines)
        so_far: String,
    },
}

/// A `cargo` command that builds into `target_dir` with this gradwork's
/// libtorch: `LIBTORCH`, the rpath and the CUDA link flag are set explicitly,
/// so builds outside the course tree (temporary workspaces) get the same
/// settings as builds inside it.
pub fn command(target_dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let lib = Path::new(crate::libtorch::LIB_DIR);
    if let Some(torch) = lib.parent() {
        cmd.env("LIBTORCH", torch);
    }
    cmd.env_remove("LIBTORCH_USE_PYTORCH")
        .env("GRADWORK_LINK_CUDA", if crate::libtorch::LINKS_CUDA { "1" } else { "0" })
        .env("CARGO_ENCODED_RUSTFLAGS", format!("-C\x1flink-arg=-Wl,-rpath,{}", lib.display()))
        .env_remove("RUSTFLAGS")
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never");
    cmd
}

/// Runs `cargo build` (already configured by the caller) with JSON messages and
/// returns the path of the binary `bin`; on failure, the first compiler error.
/// No limits: for the course's own code (graders).
pub fn build_binary(cmd: Command, bin: &str) -> Result<PathBuf, CargoError> {
    build_binary_within(cmd, bin, &Guard::default())
}

/// Limits on a build, and what stops it when it passes one.
#[derive(Debug, Default)]
pub struct Guard<'a> {
    /// Wall-clock time the build may take.
    pub time: Option<Duration>,
    /// Bytes cargo may print (its JSON messages and its stderr together).
    pub output_bytes: Option<u64>,
    /// The memory limit in force (a cgroup's or per process), in MiB, for messages.
    pub memory_mb: Option<u64>,
    /// The file-size limit in force, in MiB, for messages.
    pub file_size_mb: Option<u64>,
    /// The build's memory cgroup, which says whether the kernel killed for memory.
    pub cgroup: Option<&'a MemoryCgroup>,
    /// The command starts its own process group (a sandbox [`Policy`](crate::sandbox::Policy)
    /// was applied): stopping the build kills the whole group, and the group is
    /// killed and reaped when cargo ends, so that nothing it started outlives it.
    pub own_group: bool,
}

/// Which limit stopped a build.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// It ran out of time.
    Time {
        /// the limit, in seconds
        seconds: f64,
    },
    /// It ran out of memory.
    Memory {
        /// the limit, in MiB
        mb: u64,
    },
    /// It printed too much.
    Output {
        /// the limit, in MiB
        mb: u64,
    },
    /// It wrote a file past the file-size limit.
    FileSize {
        /// the limit, in MiB
        mb: u64,
    },
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Time { seconds } => write!(f, "the build did not finish within {} s", crate::compare::num(*seconds)),
            Stopped::Memory { mb } => write!(f, "the build ran out of memory (limit {mb} MiB)"),
            Stopped::Output { mb } => write!(f, "the build printed more than {mb} MiB of compiler messages"),
            Stopped::FileSize { mb } => write!(f, "the build tried to write a file larger than {mb} MiB"),
        }
    }
}

/// Most bytes of cargo's stderr kept for messages.
const STDERR_KEPT: usize = 16 * 1024;

/// [`build_binary`] within the limits of `guard`: past its time or its output
/// cap the build's process group is killed; a build the kernel killed for
/// memory or file size is told apart from one that does not compile. Either
/// way the error carries what the compiler had said so far.
pub fn build_binary_within(mut cmd: Command, bin: &str, guard: &Guard) -> Result<PathBuf, CargoError> {
    cmd.arg("--message-format=json").stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(CargoError::Spawn)?;
    let pid = child.id();
    let seen = Arc::new(AtomicU64::new(0));
    let stderr = child.stderr.take().map(|pipe| {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || drain_counting(pipe, &seen))
    });
    let (done_tx, done) = mpsc::channel();
    let stdout = child.stdout.take().map(|pipe| {
        let (seen, bin) = (Arc::clone(&seen), bin.to_string());
        std::thread::spawn(move || {
            let messages = messages::read(pipe, &bin, &seen);
            let _ = done_tx.send(());
            messages
        })
    });
    let mut stopped = None;
    let mut stdout_open = stdout.is_some();
    loop {
        if let Some(limit) = guard.output_bytes.filter(|&cap| seen.load(Ordering::Relaxed) > cap) {
            stopped = Some(Stopped::Output { mb: limit >> 20 });
            break;
        }
        let left = guard.time.map(|t| t.saturating_sub(started.elapsed()));
        if left == Some(Duration::ZERO) {
            stopped = guard.time.map(|t| Stopped::Time { seconds: t.as_secs_f64() });
            break;
        }
        if !stdout_open && exited(pid) {
            break;
        }
        let tick = left.unwrap_or(Duration::MAX).min(Duration::from_millis(20));
        if !stdout_open {
            std::thread::sleep(tick);
            continue;
        }
        match done.recv_timeout(tick) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => stdout_open = false,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    if guard.own_group {
        sandbox::kill_group(pid);
    } else if stopped.is_some() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(CargoError::Spawn)?;
    if guard.own_group {
        sandbox::reap_group(pid);
    }
    let messages = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let stderr_text = stderr.and_then(|t| t.join().ok()).map(|o| o.tail_text(STDERR_KEPT)).unwrap_or_default();
    let said = || said_so_far(&messages, &stderr_text);
    if let Some(limit) = stopped {
        return Err(CargoError::Stopped { limit, so_far: said() });
    }
    if !status.success() {
        let text = format!("{}\n{stderr_text}", messages.said());
        if guard.cgroup.is_some_and(MemoryCgroup::out_of_memory) || OUT_OF_MEMORY.iter().any(|m| text.contains(m)) {
            let mb = guard.memory_mb.unwrap_or(0);
            return Err(CargoError::Stopped { limit: Stopped::Memory { mb }, so_far: said() });
        }
        if let Some(mb) = guard.file_size_mb.filter(|_| FILE_TOO_LARGE.iter().any(|m| text.contains(m))) {
            return Err(CargoError::Stopped { limit: Stopped::FileSize { mb }, so_far: said() });
        }
        let (summary, location) = messages.first_error.clone().unwrap_or_else(|| {
            let tail: Vec<&str> = stderr_text.lines().filter(|l| !l.trim().is_empty()).collect();
            let start = tail.len().saturating_sub(15);
            (tail[start..].join("\n"), None)
        });
        return Err(CargoError::Failed { summary, location });
    }
    messages.executable.ok_or_else(|| CargoError::NoBinary(bin.to_string()))
}

/// What a process that ran out of memory prints: Rust's allocation-failure
/// abort, and rustc's const evaluator refusing an allocation.
const OUT_OF_MEMORY: &[&str] = &["memory allocation of", "tried to allocate more memory than available to compiler", "std::bad_alloc"];

/// What cargo says of a process killed for writing past the file-size limit.
const FILE_TOO_LARGE: &[&str] = &["SIGXFSZ", "File size limit exceeded", "file too large", "File too large"];

/// The compiler's messages, then cargo's own (its last lines), as one text.
fn said_so_far(messages: &messages::Messages, stderr_text: &str) -> String {
    let said = messages.said();
    let stderr: Vec<String> = stderr_text.lines().filter(|l| !l.trim().is_empty()).map(shorten).collect();
    let start = stderr.len().saturating_sub(12);
    let cargo = stderr[start..].join("\n");
    match (said.is_empty(), cargo.is_empty()) {
        (true, true) => String::new(),
        (false, true) => said,
        (true, false) => cargo,
        (false, false) => format!("{said}\n\n{cargo}"),
    }
}

/// A line of at most about 300 characters: a long one (cargo quoting the
/// whole rustc command) keeps its start and its end, where the reason is.
fn shorten(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= 300 {
        return line.to_string();
    }
    let head: String = chars[..160].iter().collect();
    let tail: String = chars[chars.len() - 120..].iter().collect();
    format!("{head} … {tail}")
}

/// Drains a pipe into a [`CappedOutput`], adding every byte to `seen`.
fn drain_counting(mut pipe: impl Read, seen: &AtomicU64) -> CappedOutput {
    let mut out = CappedOutput::new(STDERR_KEPT);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                seen.fetch_add(n as u64, Ordering::Relaxed);
                out.push(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    out
}

/// Whether the child `pid` has exited, leaving it to be reaped (so that its
/// id, which is its process group's, is not reused before the group is killed).
fn exited(pid: u32) -> bool {
    // SAFETY: waitid(2) on our own child into a zeroed struct; WNOWAIT leaves it unreaped.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT);
        rc == 0 && info.si_pid() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_keep_their_start_and_end() {
        assert_eq!(shorten("short"), "short");
        let long = format!("process didn't exit successfully: `rustc {}` (signal: 9, SIGKILL: kill)", "-L x ".repeat(200));
        let short = shorten(&long);
        assert!(short.starts_with("process didn't exit successfully: `rustc -L x"), "{short}");
        assert!(short.ends_with("(signal: 9, SIGKILL: kill)"), "{short}");
        assert!(short.chars().count() < 300);
    }

    #[test]
    fn stopped_builds_say_which_limit() {
        assert_eq!(Stopped::Time { seconds: 120.0 }.to_string(), "the build did not finish within 120 s");
        assert_eq!(Stopped::Memory { mb: 4096 }.to_string(), "the build ran out of memory (limit 4096 MiB)");
        assert_eq!(Stopped::Output { mb: 8 }.to_string(), "the build printed more than 8 MiB of compiler messages");
        assert_eq!(Stopped::FileSize { mb: 1024 }.to_string(), "the build tried to write a file larger than 1024 MiB");
    }

    /// A stand-in for cargo: `sh -c SCRIPT`, in a process group of its own
    /// (as the sandbox policy makes one) when `own_group`.
    fn sh(script: &str, own_group: bool) -> Command {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", script, "sh"]);
        if own_group {
            cmd.process_group(0);
        }
        cmd
    }

    #[test]
    fn a_build_past_its_time_is_killed_with_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild");
        // A "compiler" that prints a message, then a grandchild that would run for ten minutes.
        let script = format!(
            r#"echo '{{"reason":"compiler-message","message":{{"level":"warning","rendered":"warning: still thinking"}}}}'; sleep 600 & echo $! > {}; wait"#,
            pid_file.display()
        );
        let guard = Guard { time: Some(Duration::from_millis(1500)), own_group: true, ..Guard::default() };
        let started = Instant::now();
        let err = build_binary_within(sh(&script, true), "runner", &guard).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "it took {:?}", started.elapsed());
        let CargoError::Stopped { limit, so_far } = err else { panic!("not stopped: {err}") };
        assert_eq!(limit, Stopped::Time { seconds: 1.5 });
        assert!(so_far.contains("warning: still thinking"), "{so_far}");
        let grandchild: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        // Killed, it may linger as a zombie until init reaps it (this test is no subreaper).
        let alive = sandbox::all_processes().iter().any(|p| p.pid == grandchild && !p.zombie);
        assert!(!alive, "the grandchild {grandchild} outlived the build");
    }

    #[test]
    fn a_build_that_prints_too_much_is_stopped() {
        let guard = Guard { output_bytes: Some(1 << 20), time: Some(Duration::from_secs(60)), own_group: true, ..Guard::default() };
        let err = build_binary_within(sh("yes 'error: again and again' >&2", true), "runner", &guard).unwrap_err();
        let CargoError::Stopped { limit, so_far } = err else { panic!("not stopped: {err}") };
        assert_eq!(limit, Stopped::Output { mb: 1 });
        assert!(so_far.contains("error: again and again"), "{so_far}");
    }

    #[test]
    fn failures_are_told_apart_by_what_killed_them() {
        let guard = Guard { memory_mb: Some(512), file_size_mb: Some(64), ..Guard::default() };
        let oom = build_binary_within(sh("echo 'memory allocation of 4294967296 bytes failed' >&2; exit 101", false), "runner", &guard);
        assert!(matches!(oom, Err(CargoError::Stopped { limit: Stopped::Memory { mb: 512 }, .. })), "{oom:?}");
        let big = build_binary_within(sh("echo '(signal: 25, SIGXFSZ: file size limit exceeded)' >&2; exit 101", false), "runner", &guard);
        assert!(matches!(big, Err(CargoError::Stopped { limit: Stopped::FileSize { mb: 64 }, .. })), "{big:?}");
        let plain = build_binary_within(sh("echo 'error: could not compile' >&2; exit 101", false), "runner", &guard);
        assert!(matches!(&plain, Err(CargoError::Failed { summary, .. }) if summary.contains("could not compile")), "{plain:?}");
        let none = build_binary_within(sh("true", false), "runner", &guard);
        assert!(matches!(none, Err(CargoError::NoBinary(_))), "{none:?}");
    }
}
