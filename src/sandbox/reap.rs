//! Making sure nothing a submission started outlives it: killing its process
//! group, then every process of its user, and reaping what is left.
//!
//! A process that calls `setsid()` leaves its process group, and one whose
//! parent died is handed to the nearest "subreaper". The grader makes itself
//! the subreaper of everything it starts ([`become_subreaper`]), so orphans
//! come back to it instead of lingering as zombies under `init`, and
//! [`sweep_uid`] kills every process of a sandbox user and reaps them.

use std::time::Duration;

/// One process, as `/proc/<pid>/status` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcInfo {
    /// Its process id.
    pub pid: i32,
    /// Its parent's.
    pub ppid: i32,
    /// Real user id.
    pub uid: u32,
    /// Whether it has exited and waits to be reaped.
    pub zombie: bool,
}

/// Makes this process the reaper of its orphaned descendants.
pub fn become_subreaper() -> std::io::Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Sends SIGKILL to the process group `pgid` (a child that called `setsid()`),
/// and tells the [`watchdog`](super::watchdog) to forget it. Call it before
/// reaping the group's leader, whose id may be reused once it is reaped.
pub fn kill_group(pgid: u32) {
    super::watchdog::forget_group(pgid);
    if let Ok(pgid) = i32::try_from(pgid) {
        if pgid > 1 {
            // SAFETY: kill(2) of a process group we created.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Reaps the processes of group `pgid` that were handed to this process (the
/// grader is their subreaper: their parent died before them). Call it after
/// [`kill_group`], so that none is left as a zombie.
pub fn reap_group(pgid: u32) {
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    for round in 0..50u64 {
        let orphans: Vec<i32> = all_processes()
            .into_iter()
            .filter(|p| p.ppid == me && process_group(p.pid) == Some(pgid as i32))
            .map(|p| p.pid)
            .collect();
        if orphans.is_empty() {
            return;
        }
        for pid in orphans {
            let mut status = 0;
            // SAFETY: waitpid on one specific child of ours, which no `Child` waits for
            // (the group's leader is reaped by its `Child` before this is called).
            unsafe {
                libc::waitpid(pid, &mut status, libc::WNOHANG);
            }
        }
        std::thread::sleep(Duration::from_millis(1 + round.min(9)));
    }
}

/// The process group of `pid` (field 5 of `/proc/<pid>/stat`).
fn process_group(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(2)?.parse().ok()
}

/// Every process whose real user id is `uid` (zombies included).
pub fn processes_of(uid: u32) -> Vec<ProcInfo> {
    all_processes().into_iter().filter(|p| p.uid == uid).collect()
}

/// Every process on the machine (that `/proc` shows).
pub fn all_processes() -> Vec<ProcInfo> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten().filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok())).filter_map(read_status).collect()
}

fn read_status(pid: i32) -> Option<ProcInfo> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
    let ppid = field("PPid:")?.parse().ok()?;
    let uid = field("Uid:")?.split_whitespace().next()?.parse().ok()?;
    let zombie = field("State:").is_some_and(|s| s.starts_with('Z'));
    Some(ProcInfo { pid, ppid, uid, zombie })
}

/// Kills every process of `uid` and reaps those that were handed to this
/// process. Returns the number still there after trying for about a second
/// (0 when the user has no process left).
///
/// Never call it for a uid whose processes this process still waits for with
/// [`std::process::Child::wait`]: their exit status would be taken.
pub fn sweep_uid(uid: u32) -> usize {
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    let mut left = Vec::new();
    for round in 0..200u64 {
        left = processes_of(uid);
        if left.is_empty() {
            return 0;
        }
        if left.iter().any(|p| !p.zombie) {
            kill_all_as(uid);
        }
        for p in left.iter().filter(|p| p.ppid == me) {
            let mut status = 0;
            // SAFETY: waitpid on one specific child of ours; it is not a `Child` anyone waits for.
            unsafe {
                libc::waitpid(p.pid, &mut status, libc::WNOHANG);
            }
        }
        std::thread::sleep(Duration::from_millis(1 + round.min(9)));
    }
    left.len()
}

/// `kill(-1, SIGKILL)` from a helper process running as `uid`: every process
/// of that user dies, however it was started.
fn kill_all_as(uid: u32) {
    // SAFETY: the child makes only async-signal-safe system calls and exits.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let id = libc::c_long::from(uid);
            if libc::syscall(libc::SYS_setresuid, id, id, id) == 0 {
                libc::kill(-1, libc::SIGKILL);
            }
            libc::_exit(0);
        }
        if pid > 0 {
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
        }
    }
}
