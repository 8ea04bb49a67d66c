//! Resource limits (`setrlimit`) of a sandboxed process.

use crate::rubric::Limits;
use std::io;

/// One resource limit: soft and hard limit both set to `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    /// The resource, `libc::RLIMIT_*`.
    pub resource: libc::c_int,
    /// The limit (bytes, seconds or a count, as the resource counts).
    pub value: u64,
}

impl Rlimit {
    /// A limit on `resource`.
    pub fn new(resource: libc::c_int, value: u64) -> Rlimit {
        Rlimit { resource, value }
    }

    /// Whether the limit means anything only for a process with its own user:
    /// the process count is counted per user, and root is exempt from it.
    pub fn needs_own_user(&self) -> bool {
        self.resource == libc::RLIMIT_NPROC as libc::c_int
    }

    /// Sets the limit on this process, never above the current hard limit
    /// (which only root could raise). Async-signal-safe.
    pub(crate) fn set(&self) -> io::Result<()> {
        let mut current = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit on a valid struct.
        unsafe {
            if libc::getrlimit(self.resource as _, &mut current) != 0 {
                return Err(io::Error::last_os_error());
            }
            let wanted = self.value as libc::rlim_t;
            let value = if libc::geteuid() == 0 { wanted } else { wanted.min(current.rlim_max) };
            let lim = libc::rlimit { rlim_cur: value, rlim_max: value };
            if libc::setrlimit(self.resource as _, &lim) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// The limits of a runner process: address space, CPU time, file size, no
/// core dumps, open files, and the number of processes and threads of its user.
pub fn runner_rlimits(limits: &Limits) -> Vec<Rlimit> {
    vec![
        Rlimit::new(libc::RLIMIT_AS as _, limits.memory_mb << 20),
        Rlimit::new(libc::RLIMIT_CPU as _, limits.cpu_s),
        Rlimit::new(libc::RLIMIT_FSIZE as _, limits.file_size_mb << 20),
        Rlimit::new(libc::RLIMIT_CORE as _, 0),
        Rlimit::new(libc::RLIMIT_NOFILE as _, 1024),
        Rlimit::new(libc::RLIMIT_NPROC as _, limits.processes),
    ]
}
