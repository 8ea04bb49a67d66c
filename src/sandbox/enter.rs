//! What a sandboxed child does between `fork` and `exec`. Only raw system
//! calls happen there (no allocation, no locks: the parent is multi-threaded),
//! so everything they need is prepared beforehand in [`Prepared`].

use super::limits::Rlimit;
use super::mounts::{HideOp, MountPlan, MAX_KEEPS};
use super::probe::NamespaceMode;
use super::SandboxError;
use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Which namespaces the child gets.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Namespaces {
    /// A mount namespace (for the file-system view).
    pub mount: bool,
    /// A network namespace.
    pub network: bool,
}

/// Everything the child needs, allocated in the parent.
#[derive(Debug)]
pub(crate) struct Prepared {
    clone_flags: libc::c_int,
    user_maps: Option<(Vec<u8>, Vec<u8>)>,
    hides: Vec<HideOp>,
    workdir: Option<CString>,
    rlimits: Vec<Rlimit>,
    uid: Option<u32>,
    die_with_parent: bool,
    parent: libc::pid_t,
    /// The watchdog's socket, to register the child's process group on.
    watchdog: Option<libc::c_int>,
    /// `cgroup.procs` of the cgroup the child joins before anything else.
    cgroup_procs: Option<CString>,
}

impl Prepared {
    /// Prepares the child's steps. `mode` says how namespaces are made (none when `None`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        namespaces: Namespaces,
        mode: Option<NamespaceMode>,
        plan: Option<&MountPlan>,
        workdir: Option<&Path>,
        rlimits: Vec<Rlimit>,
        uid: Option<u32>,
        die_with_parent: bool,
    ) -> Result<Prepared, SandboxError> {
        let mut clone_flags = 0;
        if namespaces.mount {
            clone_flags |= libc::CLONE_NEWNS;
        }
        if namespaces.network {
            clone_flags |= libc::CLONE_NEWNET;
        }
        let mut user_maps = None;
        if clone_flags != 0 && mode == Some(NamespaceMode::UserNamespace) {
            clone_flags |= libc::CLONE_NEWUSER;
            // SAFETY: getuid/getgid cannot fail.
            let (u, g) = unsafe { (libc::getuid(), libc::getgid()) };
            user_maps = Some((format!("{u} {u} 1\n").into_bytes(), format!("{g} {g} 1\n").into_bytes()));
        }
        let hides = match plan {
            Some(plan) if namespaces.mount => plan.resolve()?,
            _ => Vec::new(),
        };
        let workdir = workdir
            .map(|w| CString::new(w.as_os_str().as_bytes()).map_err(|_| SandboxError::BadPath(w.to_path_buf())))
            .transpose()?;
        // SAFETY: getpid cannot fail.
        let parent = unsafe { libc::getpid() };
        // A child that must die with the grader is also killed by the watchdog,
        // with everything it starts.
        let watchdog = if die_with_parent { super::watchdog::socket() } else { None };
        Ok(Prepared { clone_flags, user_maps, hides, workdir, rlimits, uid, die_with_parent, parent, watchdog, cgroup_procs: None })
    }

    /// Makes the child join the cgroup whose `cgroup.procs` file is `procs`
    /// first thing, so that everything it ever starts is in it too.
    pub fn join_cgroup(mut self, procs: &Path) -> Result<Prepared, SandboxError> {
        self.cgroup_procs = Some(CString::new(procs.as_os_str().as_bytes()).map_err(|_| SandboxError::BadPath(procs.to_path_buf()))?);
        Ok(self)
    }

    /// Makes `cmd` run [`Prepared::enter`] in the child before `exec`.
    pub fn install(self, cmd: &mut Command) {
        // SAFETY: `enter` only makes async-signal-safe system calls on memory
        // allocated before the fork.
        unsafe {
            cmd.pre_exec(move || self.enter());
        }
    }

    /// The child's steps, in order. An error aborts the spawn with its errno.
    fn enter(&self) -> io::Result<()> {
        // SAFETY (whole function): raw system calls on valid, NUL-terminated
        // strings and stack buffers owned by this process.
        unsafe {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            let pid = libc::getpid();
            if let Some(socket) = self.watchdog {
                let (op, kind) = super::watchdog::REGISTER_GROUP;
                super::watchdog::send_to(socket, op, kind, pid as u32);
            }
            if let Some(procs) = &self.cgroup_procs {
                let mut digits = [0u8; 12];
                write_file(procs, decimal(pid as u32, &mut digits))?;
            }
            if self.clone_flags != 0 {
                if libc::unshare(self.clone_flags) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if let Some((uid_map, gid_map)) = &self.user_maps {
                    write_file(c"/proc/self/setgroups", b"deny")?;
                    write_file(c"/proc/self/uid_map", uid_map)?;
                    write_file(c"/proc/self/gid_map", gid_map)?;
                }
            }
            if self.clone_flags & libc::CLONE_NEWNS != 0 {
                if libc::mount(std::ptr::null(), c"/".as_ptr(), std::ptr::null(), libc::MS_REC | libc::MS_PRIVATE, std::ptr::null())
                    != 0
                {
                    return Err(io::Error::last_os_error());
                }
                for op in &self.hides {
                    hide(op)?;
                }
            }
            if let Some(dir) = &self.workdir {
                if libc::chdir(dir.as_ptr()) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            for r in &self.rlimits {
                r.set()?;
            }
            if let Some(id) = self.uid {
                let id = libc::c_long::from(id);
                if libc::syscall(libc::SYS_setgroups, 0 as libc::c_long, std::ptr::null::<libc::gid_t>()) != 0
                    || libc::syscall(libc::SYS_setresgid, id, id, id) != 0
                    || libc::syscall(libc::SYS_setresuid, id, id, id) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
            if self.die_with_parent {
                // Set after the user change, which clears it.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != self.parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
        }
        Ok(())
    }
}

/// Hides one path: an empty tmpfs over a directory (with its keeps bound
/// back), `/dev/null` over a file. A path that does not exist in this view
/// (inside something hidden before) is already hidden.
unsafe fn hide(op: &HideOp) -> io::Result<()> {
    let Some(options) = &op.tmpfs_options else {
        let r = libc::mount(c"/dev/null".as_ptr(), op.target.as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null());
        return if r == 0 || errno() == libc::ENOENT { Ok(()) } else { Err(io::Error::last_os_error()) };
    };
    let mut fds = [-1 as libc::c_int; MAX_KEEPS];
    for (i, keep) in op.keeps.iter().enumerate().take(MAX_KEEPS) {
        fds[i] = libc::open(keep.path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
    }
    let close_all = |fds: &[libc::c_int]| {
        for &fd in fds.iter().filter(|&&fd| fd >= 0) {
            libc::close(fd);
        }
    };
    let r = libc::mount(
        c"tmpfs".as_ptr(),
        op.target.as_ptr(),
        c"tmpfs".as_ptr(),
        libc::MS_NOSUID | libc::MS_NODEV,
        options.as_ptr().cast(),
    );
    if r != 0 {
        let e = errno();
        close_all(&fds);
        return if e == libc::ENOENT { Ok(()) } else { Err(io::Error::from_raw_os_error(e)) };
    }
    for (i, keep) in op.keeps.iter().enumerate().take(MAX_KEEPS) {
        if fds[i] < 0 {
            continue;
        }
        for dir in &keep.mkdirs {
            if libc::mkdir(dir.as_ptr(), 0o755) != 0 && errno() != libc::EEXIST {
                let e = errno();
                close_all(&fds);
                return Err(io::Error::from_raw_os_error(e));
            }
        }
        if keep.is_file {
            let f = libc::open(keep.path.as_ptr(), libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC, 0o644);
            if f >= 0 {
                libc::close(f);
            }
        }
        let mut buf = [0u8; 32];
        let source = fd_path(fds[i], &mut buf);
        if libc::mount(source.as_ptr(), keep.path.as_ptr(), std::ptr::null(), libc::MS_BIND | libc::MS_REC, std::ptr::null()) != 0 {
            let e = errno();
            close_all(&fds);
            return Err(io::Error::from_raw_os_error(e));
        }
    }
    close_all(&fds);
    Ok(())
}

/// `/proc/self/fd/<fd>` written into `buf`, without allocating.
fn fd_path(fd: libc::c_int, buf: &mut [u8; 32]) -> &CStr {
    const PREFIX: &[u8] = b"/proc/self/fd/";
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 12];
    let mut n = fd.unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[PREFIX.len() + i] = digits[len - 1 - i];
    }
    buf[PREFIX.len() + len] = 0;
    CStr::from_bytes_until_nul(&buf[..]).unwrap_or(c"/proc/self/fd/")
}

/// `n` in decimal, written into `buf` without allocating.
fn decimal(mut n: u32, buf: &mut [u8; 12]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[start..]
}

/// Writes `bytes` to `path` (a /proc or cgroup control file).
unsafe fn write_file(path: &CStr, bytes: &[u8]) -> io::Result<()> {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
    let e = errno();
    libc::close(fd);
    if n != bytes.len() as isize {
        return Err(io::Error::from_raw_os_error(if n < 0 { e } else { libc::EIO }));
    }
    Ok(())
}

fn errno() -> libc::c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::{decimal, fd_path};

    #[test]
    fn numbers_are_written_without_allocating() {
        let mut buf = [0u8; 12];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(4_294_967_295, &mut buf), b"4294967295");
    }

    #[test]
    fn fd_paths_are_written_without_allocating() {
        let mut buf = [0u8; 32];
        assert_eq!(fd_path(0, &mut buf).to_str(), Ok("/proc/self/fd/0"));
        assert_eq!(fd_path(1234, &mut buf).to_str(), Ok("/proc/self/fd/1234"));
    }
}
