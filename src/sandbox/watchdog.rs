//! A helper process that kills what the grader started when the grader dies,
//! however it dies: Ctrl-C, SIGTERM, a cluster's time limit, `kill -9`.
//!
//! A parent-death signal reaches only the direct child (cargo, a runner),
//! not what that child started (rustc, the linker, a submission's forks),
//! and nothing in a process killed with SIGKILL gets to run. So at the start
//! of a batch the grader forks a watchdog ([`start`]) and keeps one end of a
//! socket pair to it. Every sandboxed child that must not outlive the grader
//! registers its process group from between `fork` and `exec` (before it can
//! start anything), and every sandbox user id is registered while claimed.
//! When the grader's end closes (its process is gone: no one else holds it),
//! the watchdog kills every registered process group and every process of
//! every registered user, then exits.
//!
//! The watchdog is a plain `fork` that never calls `exec`: it makes only raw
//! system calls on memory allocated before the fork (the grader is
//! multi-threaded, so nothing else is safe there). It leaves the grader's
//! session, ignores the terminal's signals, and keeps no file descriptor but
//! its end of the socket, so that it never holds the grader's output pipes
//! or locks open.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// Process groups the watchdog can hold at once (registrations past it are
/// dropped; dead groups are pruned every second).
const MAX_GROUPS: usize = 16384;
/// User ids the watchdog can hold at once.
const MAX_UIDS: usize = 4096;

/// One registration: `[op, kind, 0, 0, value (4 bytes, native order)]`.
const MESSAGE: usize = 8;
const ADD: u8 = b'+';
const REMOVE: u8 = b'-';
const GROUP: u8 = b'g';
const USER: u8 = b'u';

/// The grader's end of the socket to its watchdog.
struct Watchdog {
    socket: OwnedFd,
    pid: libc::pid_t,
}

static WATCHDOG: OnceLock<Result<Watchdog, String>> = OnceLock::new();

/// Starts this process's watchdog (once; later calls return the first
/// outcome). Until it runs, registrations are no-ops.
pub fn start() -> Result<(), String> {
    match WATCHDOG.get_or_init(spawn) {
        Ok(_) => Ok(()),
        Err(e) => Err(e.clone()),
    }
}

/// The process id of the watchdog, if it runs.
pub fn pid() -> Option<u32> {
    WATCHDOG.get().and_then(|w| w.as_ref().ok()).map(|w| w.pid as u32)
}

/// The socket a child registers itself on, if the watchdog runs.
pub(crate) fn socket() -> Option<RawFd> {
    WATCHDOG.get().and_then(|w| w.as_ref().ok()).map(|w| w.socket.as_raw_fd())
}

/// Tells the watchdog to kill process group `pgid` if the grader dies.
/// Async-signal-safe when given the socket (a child registers itself with it).
pub(crate) fn send_to(socket: RawFd, op: u8, kind: u8, value: u32) {
    let mut message = [0u8; MESSAGE];
    message[0] = op;
    message[1] = kind;
    message[4..].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: send(2) of a stack buffer; MSG_NOSIGNAL so that a dead watchdog
    // costs an error, not a SIGPIPE.
    unsafe {
        libc::send(socket, message.as_ptr().cast(), MESSAGE, libc::MSG_NOSIGNAL);
    }
}

/// The message a child sends to register its own process group.
pub(crate) const REGISTER_GROUP: (u8, u8) = (ADD, GROUP);

/// Forgets process group `pgid`: it was killed, or it ended, and its id may
/// be reused once its leader is reaped. Call it before reaping the leader.
pub fn forget_group(pgid: u32) {
    if let Some(socket) = socket() {
        send_to(socket, REMOVE, GROUP, pgid);
    }
}

/// Tells the watchdog to kill every process of `uid` if the grader dies.
pub fn watch_user(uid: u32) {
    if let Some(socket) = socket() {
        send_to(socket, ADD, USER, uid);
    }
}

/// Forgets `uid` (its processes were swept and the uid is released).
pub fn forget_user(uid: u32) {
    if let Some(socket) = socket() {
        send_to(socket, REMOVE, USER, uid);
    }
}

fn spawn() -> Result<Watchdog, String> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: socketpair(2) into a local array.
    if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) } != 0 {
        return Err(format!("cannot make the watchdog's socket: {}", io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just made and are owned here.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Everything the child needs, allocated before the fork.
    let mut groups = vec![0 as libc::pid_t; MAX_GROUPS];
    let mut uids = vec![0 as libc::uid_t; MAX_UIDS];
    let devnull = c"/dev/null";
    // SAFETY: the child runs `watch`, which makes only async-signal-safe
    // system calls on the buffers above, and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("cannot start the watchdog: {}", io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: in the child, see above.
        unsafe { watch(theirs.as_raw_fd(), devnull.as_ptr(), &mut groups, &mut uids) }
    }
    drop(theirs);
    Ok(Watchdog { socket: ours, pid })
}

/// The watchdog's life: detach, wait for registrations until the grader's end
/// closes, kill what is registered, exit.
unsafe fn watch(socket: RawFd, devnull: *const libc::c_char, groups: &mut [libc::pid_t], uids: &mut [libc::uid_t]) -> ! {
    libc::setsid();
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGPIPE, libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
        libc::signal(sig, libc::SIG_IGN);
    }
    let mut empty: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut empty);
    libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    // Keep only the socket (as fd 3) and /dev/null on 0, 1 and 2.
    if libc::dup2(socket, 3) != 3 {
        libc::_exit(1);
    }
    let null = libc::open(devnull, libc::O_RDWR);
    if null >= 0 {
        for fd in 0..3 {
            libc::dup2(null, fd);
        }
    }
    if libc::syscall(libc::SYS_close_range, 4 as libc::c_uint, libc::c_uint::MAX, 0 as libc::c_uint) != 0 {
        for fd in 4..65536 {
            libc::close(fd);
        }
    }
    // Leave whatever directory the grader was in (it may be unmounted or removed).
    libc::chdir(c"/".as_ptr());
    let socket = 3;
    let (mut n_groups, mut n_uids) = (0usize, 0usize);
    let mut message = [0u8; MESSAGE];
    loop {
        let mut poll = libc::pollfd { fd: socket, events: libc::POLLIN, revents: 0 };
        let ready = libc::poll(&mut poll, 1, 1000);
        if ready == 0 {
            // Forget groups that are gone, before their ids can come back.
            let mut i = 0;
            while i < n_groups {
                if libc::kill(-groups[i], 0) != 0 && *libc::__errno_location() == libc::ESRCH {
                    n_groups -= 1;
                    groups[i] = groups[n_groups];
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if ready < 0 {
            if *libc::__errno_location() == libc::EINTR {
                continue;
            }
            break;
        }
        let got = libc::recv(socket, message.as_mut_ptr().cast(), MESSAGE, 0);
        if got == 0 {
            break; // the grader is gone
        }
        if got < 0 {
            if *libc::__errno_location() == libc::EINTR {
                continue;
            }
            break;
        }
        if got as usize != MESSAGE {
            continue;
        }
        let value = u32::from_ne_bytes([message[4], message[5], message[6], message[7]]);
        match (message[0], message[1]) {
            (ADD, GROUP) if value > 1 && n_groups < groups.len() => {
                groups[n_groups] = value as libc::pid_t;
                n_groups += 1;
            }
            (REMOVE, GROUP) => remove(groups, &mut n_groups, value as libc::pid_t),
            (ADD, USER) if value > 0 && n_uids < uids.len() => {
                uids[n_uids] = value;
                n_uids += 1;
            }
            (REMOVE, USER) => remove(uids, &mut n_uids, value),
            _ => {}
        }
    }
    for &pgid in &groups[..n_groups] {
        libc::kill(-pgid, libc::SIGKILL);
    }
    for &uid in &uids[..n_uids] {
        kill_user(uid);
    }
    libc::_exit(0)
}

/// Removes every copy of `value` from the first `*n` entries.
fn remove<T: Copy + PartialEq>(list: &mut [T], n: &mut usize, value: T) {
    let mut i = 0;
    while i < *n {
        if list[i] == value {
            *n -= 1;
            list[i] = list[*n];
        } else {
            i += 1;
        }
    }
}

/// `kill(-1, SIGKILL)` as `uid`, a few times (a fork bomb refills itself
/// between rounds until the kernel's process limit stops it).
unsafe fn kill_user(uid: libc::uid_t) {
    for _ in 0..3 {
        let pid = libc::fork();
        if pid == 0 {
            let id = libc::c_long::from(uid);
            if libc::syscall(libc::SYS_setresgid, id, id, id) == 0 && libc::syscall(libc::SYS_setresuid, id, id, id) == 0 {
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

#[cfg(test)]
mod tests {
    use super::remove;

    #[test]
    fn removing_keeps_the_others() {
        let mut list = [5, 7, 5, 9, 0, 0];
        let mut n = 4;
        remove(&mut list, &mut n, 5);
        let mut left = list[..n].to_vec();
        left.sort();
        assert_eq!(left, vec![7, 9]);
        remove(&mut list, &mut n, 42);
        assert_eq!(n, 2);
    }
}
