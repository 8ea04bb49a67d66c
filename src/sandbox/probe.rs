//! What isolation this machine allows, found out once per process by
//! starting `true` with each feature on its own.

use super::cgroup::CgroupParent;
use super::enter::{Namespaces, Prepared};
use super::mounts::MountPlan;
use super::uid::UidSlot;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// How namespaces are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceMode {
    /// Directly (the grader runs as root).
    Privileged,
    /// Inside a new user namespace that maps the grader's own user (unprivileged).
    UserNamespace,
}

/// The isolation features that work here; each `Err` says why one does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// A private file-system view (mount namespace with tmpfs and bind mounts).
    pub filesystem: Result<NamespaceMode, String>,
    /// No network (network namespace).
    pub network: Result<NamespaceMode, String>,
    /// A separate unprivileged user per runner (needs root).
    pub users: Result<(), String>,
    /// A memory cap over a runner's whole process tree (a memory cgroup),
    /// and where runners' cgroups are made.
    pub memory: Result<CgroupParent, String>,
}

static PROBED: OnceLock<Capabilities> = OnceLock::new();

/// The capabilities of this machine, probed on first use.
pub fn capabilities() -> &'static Capabilities {
    PROBED.get_or_init(probe)
}

impl Capabilities {
    /// Nothing at all (for tests and for machines where probing is impossible).
    pub fn none(why: &str) -> Capabilities {
        Capabilities { filesystem: Err(why.into()), network: Err(why.into()), users: Err(why.into()), memory: Err(why.into()) }
    }

    /// What a runner gets, in words, for report headers: one clause per
    /// feature, with the reason when it is missing.
    pub fn describe(&self, processes: u64) -> String {
        let network = match &self.network {
            Ok(_) => "no network (own network namespace)".to_string(),
            Err(why) => format!("no network isolation: {why}"),
        };
        let filesystem = match &self.filesystem {
            Ok(_) => "course, other submissions and reports hidden (own mount namespace)".to_string(),
            Err(why) => format!("no file-system isolation: {why}"),
        };
        let users = match &self.users {
            Ok(()) => format!("own unprivileged user, at most {processes} processes and threads"),
            Err(why) => format!("no process-count limit: {why}"),
        };
        let memory = match &self.memory {
            Ok(_) => "memory capped over all its processes together (own memory cgroup)".to_string(),
            Err(why) => format!("memory capped per process only: {why}"),
        };
        format!("{network}; {filesystem}; {users}; {memory}")
    }

    /// What a submission's build gets, in words, for report headers: the
    /// memory cap over its whole process tree, or why it is per process.
    pub fn describe_build(&self) -> String {
        match &self.memory {
            Ok(parent) => {
                let version = match parent.version() {
                    super::CgroupVersion::V1 => "cgroup v1",
                    super::CgroupVersion::V2 => "cgroup v2",
                };
                let note = parent.note().map(|n| format!("; {n}")).unwrap_or_default();
                format!("build memory capped over cargo, rustc and the linker together (own memory cgroup, {version}{note})")
            }
            Err(why) => format!("build memory capped per process only: {why}"),
        }
    }
}

fn probe() -> Capabilities {
    let Some(truth) = ["/bin/true", "/usr/bin/true"].into_iter().map(Path::new).find(|p| p.exists()) else {
        return Capabilities::none("there is no `true` program to probe with");
    };
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let modes: &[NamespaceMode] =
        if root { &[NamespaceMode::Privileged] } else { &[NamespaceMode::UserNamespace] };
    let scratch = tempfile::tempdir().ok();
    let plan = scratch.as_ref().map(|d| MountPlan::new().hide(d.path()).keep(d.path().join("kept")));
    if let Some(d) = &scratch {
        let _ = std::fs::create_dir(d.path().join("kept"));
    }
    let try_ns = |ns: Namespaces, what: &str| -> Result<NamespaceMode, String> {
        let mut last = String::new();
        for &mode in modes {
            let prepared = Prepared::new(ns, Some(mode), plan.as_ref(), None, Vec::new(), None, false)
                .map_err(|e| e.to_string())?;
            match run(truth, prepared) {
                Ok(()) => return Ok(mode),
                Err(e) => last = format!("{what} failed{}: {e}", if mode == NamespaceMode::UserNamespace { " in a user namespace" } else { "" }),
            }
        }
        Err(last)
    };
    let filesystem = if plan.is_some() {
        try_ns(Namespaces { mount: true, network: false }, "unshare(CLONE_NEWNS) with tmpfs and bind mounts")
    } else {
        Err("cannot make a temporary directory to probe with".into())
    };
    let network = try_ns(Namespaces { mount: false, network: true }, "unshare(CLONE_NEWNET)");
    let users = if !root {
        // SAFETY: geteuid cannot fail.
        Err(format!("gradwork runs as uid {}, and only root can run a submission as another user", unsafe { libc::geteuid() }))
    } else {
        match UidSlot::claim() {
            Ok(slot) => match Prepared::new(Namespaces::default(), None, None, None, Vec::new(), Some(slot.uid()), false) {
                Ok(p) => run(truth, p).map_err(|e| format!("running as uid {} failed: {e}", slot.uid())),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        }
    };
    // Only root may move a runner (another user's process) into a cgroup.
    let memory = if root { super::cgroup::probe() } else { Err("only root can put a runner into a memory cgroup".into()) };
    Capabilities { filesystem, network, users, memory }
}

fn run(program: &Path, prepared: Prepared) -> Result<(), String> {
    let mut cmd = Command::new(program);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    prepared.install(&mut cmd);
    match cmd.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the probe exited with {s}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_features_are_named_with_their_reason() {
        let caps = Capabilities {
            filesystem: Ok(NamespaceMode::Privileged),
            network: Err("unshare(CLONE_NEWNET) failed: Operation not permitted (os error 1)".into()),
            users: Ok(()),
            memory: Err("cgroup v2: the memory controller cannot be enabled below /sys/fs/cgroup/user.slice".into()),
        };
        assert_eq!(
            caps.describe(64),
            "no network isolation: unshare(CLONE_NEWNET) failed: Operation not permitted (os error 1); \
             course, other submissions and reports hidden (own mount namespace); \
             own unprivileged user, at most 64 processes and threads; \
             memory capped per process only: cgroup v2: the memory controller cannot be enabled below /sys/fs/cgroup/user.slice"
        );
    }
}
