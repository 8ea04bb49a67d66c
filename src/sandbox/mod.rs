//! Running untrusted code (a submission's build and its runner) with as little
//! reach as this machine allows.
//!
//! A [`Policy`] says what a child process gets: a private view of the file
//! system in which the course, the other submissions and the reports are
//! hidden ([`MountPlan`]), no network, resource limits, its own unprivileged
//! user (so that a process-count limit holds and every process it leaves
//! behind can be found and killed, see [`UidSlot`]) and its own process
//! group. [`Policy::apply`] installs it on a [`std::process::Command`].
//!
//! Which of these work depends on the machine: namespaces need root or
//! unprivileged user namespaces, a separate user needs root. [`capabilities`]
//! probes once per process and [`Capabilities::describe`] says, in the report
//! header, what was in force and why anything was not (for example
//! `no network isolation: unshare(CLONE_NEWNET) failed: Operation not permitted`).
//!
//! ```no_run
//! use gradwork::sandbox::{capabilities, Policy};
//! let mut cmd = std::process::Command::new("/bin/true");
//! let policy = Policy { isolate_network: true, ..Policy::default() };
//! policy.apply(&mut cmd, capabilities()).unwrap();
//! assert!(cmd.status().unwrap().success());
//! ```

mod cgroup;
mod enter;
mod limits;
mod mounts;
mod output;
mod probe;
mod reap;
mod secrets;
mod uid;
pub mod watchdog;

pub use cgroup::{sweep_abandoned_cgroups, CgroupParent, CgroupVersion, MemoryCgroup};
pub use limits::{runner_rlimits, Rlimit};
pub use mounts::{Hide, MountPlan};
pub use output::{capture, CappedOutput};
pub use probe::{capabilities, Capabilities, NamespaceMode};
pub use reap::{all_processes, become_subreaper, kill_group, processes_of, reap_group, sweep_uid, ProcInfo};
pub use secrets::Secrets;
pub use uid::UidSlot;

use std::path::PathBuf;
use std::process::Command;

/// Errors setting up a sandbox (in the parent, before the child starts).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A path cannot be passed to the kernel (it holds a NUL byte).
    #[error("the path {0} cannot be used (it contains a NUL byte)")]
    BadPath(PathBuf),
    /// A hidden directory would keep too many paths visible.
    #[error("too many paths kept visible inside {0} (at most {max})", max = mounts::MAX_KEEPS)]
    TooManyKeeps(PathBuf),
    /// No free user id for a runner.
    #[error("no free sandbox user id in {first}..{last}: are {count} graders running at once?")]
    NoFreeUid {
        /// first uid tried
        first: u32,
        /// last uid tried
        last: u32,
        /// how many there are
        count: u32,
    },
    /// Something the sandbox needs failed.
    #[error("{what}: {source}")]
    Io {
        /// what was being done
        what: String,
        /// the error
        source: std::io::Error,
    },
}

/// What a sandboxed child process gets. Parts the machine cannot do are left
/// out by [`Policy::apply`] (and reported by [`Capabilities::describe`]).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The file-system view: directories hidden, and paths kept visible inside them.
    pub mounts: MountPlan,
    /// Give the child its own network namespace (only a loopback device, down).
    pub isolate_network: bool,
    /// Run as this user and group id (needs root); the uid's process count is limited by `rlimits`.
    pub uid: Option<u32>,
    /// Resource limits.
    pub rlimits: Vec<Rlimit>,
    /// Working directory, entered after the file-system view is set up.
    pub workdir: Option<PathBuf>,
    /// Kill the child when the thread that started it ends, and have the
    /// [`watchdog`] kill its whole process group when the grader dies (a
    /// grader killed in the middle of a batch takes its builds and runners,
    /// and everything they started, with it).
    pub die_with_parent: bool,
    /// Cap the memory of the child and everything it starts, together, in a
    /// memory cgroup of its own (where the machine allows, see
    /// [`Capabilities::memory`]): made by [`Policy::memory_cgroup`] before the
    /// child starts, joined with [`MemoryCgroup::add`] right after.
    pub memory_tree: bool,
}

impl Policy {
    /// The memory cgroup for one child under this policy, capped at `bytes`;
    /// `None` when the policy asks for none or the machine has none.
    pub fn memory_cgroup(&self, caps: &Capabilities, bytes: u64) -> Result<Option<MemoryCgroup>, String> {
        self.memory_cgroup_for("runner", caps, bytes)
    }

    /// [`Policy::memory_cgroup`] for a child of another `kind` (`build`): the
    /// cgroup is named `gradwork-<kind>-<grader pid>-<n>`, so that a later
    /// grader can tell whose it was ([`sweep_abandoned_cgroups`]).
    pub fn memory_cgroup_for(&self, kind: &str, caps: &Capabilities, bytes: u64) -> Result<Option<MemoryCgroup>, String> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let (true, Ok(parent)) = (self.memory_tree, &caps.memory) else { return Ok(None) };
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        MemoryCgroup::create(parent, &cgroup::child_name(kind, std::process::id(), n), bytes).map(Some)
    }

    /// Installs the policy on `cmd` (a `pre_exec` hook): a new session and
    /// process group, then the namespaces, the file-system view, the working
    /// directory, the limits and the user, as far as `caps` allows.
    pub fn apply(&self, cmd: &mut Command, caps: &Capabilities) -> Result<(), SandboxError> {
        self.apply_in(cmd, caps, None)
    }

    /// [`Policy::apply`], with the child joining `cgroup` before anything
    /// else (before `exec`), so that nothing it starts escapes the cgroup.
    pub fn apply_in(&self, cmd: &mut Command, caps: &Capabilities, cgroup: Option<&MemoryCgroup>) -> Result<(), SandboxError> {
        let namespaces = enter::Namespaces {
            mount: !self.mounts.is_empty() && caps.filesystem.is_ok(),
            network: self.isolate_network && caps.network.is_ok(),
        };
        let mode = if namespaces.mount {
            caps.filesystem.as_ref().ok().copied()
        } else if namespaces.network {
            caps.network.as_ref().ok().copied()
        } else {
            None
        };
        let uid = self.uid.filter(|_| caps.users.is_ok());
        let rlimits = self.rlimits.iter().filter(|r| uid.is_some() || !r.needs_own_user()).copied().collect();
        let plan = if namespaces.mount { Some(&self.mounts) } else { None };
        let mut prepared = enter::Prepared::new(namespaces, mode, plan, self.workdir.as_deref(), rlimits, uid, self.die_with_parent)?;
        if let Some(cgroup) = cgroup {
            prepared = prepared.join_cgroup(&cgroup.procs_file())?;
        }
        prepared.install(cmd);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    /// Runs `script` under `sh` with `policy`; `None` when `sh` is missing.
    fn sh(policy: &Policy, caps: &Capabilities, script: &str) -> Option<(bool, String)> {
        let shell = ["/bin/sh", "/usr/bin/sh"].into_iter().find(|p| std::path::Path::new(p).exists())?;
        let mut cmd = Command::new(shell);
        cmd.args(["-c", script]).stdin(Stdio::null());
        policy.apply(&mut cmd, caps).expect("policy applies");
        let out = cmd.output().expect("sh runs");
        Some((out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))))
    }

    fn skip(what: &str, why: &str) {
        eprintln!("skipped ({what} is not available here: {why})");
    }

    #[test]
    fn hidden_directories_are_empty_and_kept_paths_stay_visible() {
        let caps = capabilities();
        if let Err(why) = &caps.filesystem {
            return skip("a mount namespace", why);
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("course/reference")).unwrap();
        std::fs::write(root.join("course/reference/lib.rs"), "the solution").unwrap();
        std::fs::create_dir_all(root.join("course/src")).unwrap();
        std::fs::write(root.join("course/src/lib.rs"), "the harness").unwrap();
        std::fs::write(root.join("course/Cargo.toml"), "[package]").unwrap();
        let policy = Policy {
            mounts: MountPlan::new().hide(root.join("course")).keep(root.join("course/src")).keep(root.join("course/Cargo.toml")),
            ..Policy::default()
        };
        let c = root.join("course");
        let script = format!(
            "test ! -e {c}/reference && test \"$(cat {c}/src/lib.rs)\" = 'the harness' && test -s {c}/Cargo.toml && ls {c} | tr '\\n' ' '",
            c = c.display()
        );
        let Some((ok, out)) = sh(&policy, caps, &script) else { return skip("sh", "not installed") };
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "Cargo.toml src");
        // Nothing changed outside the child's own view.
        assert!(root.join("course/reference/lib.rs").is_file());
    }

    #[test]
    fn an_isolated_network_has_no_way_out() {
        let caps = capabilities();
        if let Err(why) = &caps.network {
            return skip("a network namespace", why);
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let policy = Policy { isolate_network: true, ..Policy::default() };
        // Only the loopback device, and it is down.
        let Some((ok, out)) = sh(&policy, caps, "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '") else {
            return skip("sh", "not installed");
        };
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "lo");
        listener.set_nonblocking(true).unwrap();
        let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port} 2>/dev/null && echo connected || echo refused");
        if let Some((_, out)) = sh(&policy, caps, &format!("command -v bash >/dev/null && bash -c '{script}' || echo refused")) {
            assert!(out.contains("refused") && !out.contains("connected"), "{out}");
        }
        assert!(listener.accept().is_err(), "the listener got a connection");
    }

    #[test]
    fn a_runner_user_is_limited_and_swept_clean() {
        let caps = capabilities();
        if let Err(why) = &caps.users {
            return skip("a separate user", why);
        }
        // Orphans come back to this process, so that the sweep can reap them.
        let _ = become_subreaper();
        let slot = UidSlot::claim().unwrap();
        let uid = slot.uid();
        let policy = Policy { uid: Some(uid), rlimits: vec![Rlimit::new(libc::RLIMIT_NPROC as _, 16)], ..Policy::default() };
        let Some((ok, out)) = sh(&policy, caps, "id -u; grep 'Max processes' /proc/self/limits | tr -s ' ' | cut -d' ' -f3; setsid sleep 600 >/dev/null 2>&1 & echo started") else {
            return skip("sh", "not installed");
        };
        assert!(ok, "{out}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[..2], [uid.to_string().as_str(), "16"], "{out}");
        // The `sleep` left its process group and its parent exited: only its user finds it.
        assert!(!processes_of(uid).is_empty(), "the detached sleep should still be running");
        assert_eq!(sweep_uid(uid), 0);
        assert!(processes_of(uid).is_empty());
    }
}
