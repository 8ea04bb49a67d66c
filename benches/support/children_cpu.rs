//! CPU time of the processes a bench has started and waited for.

/// User and system CPU seconds of the child processes waited for so far, and
/// of theirs (cargo waits for its rustc and linker processes, and gradwork
/// for its builds and runners), so a difference across one command is what
/// that command spent on every core.
pub fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to an rusage owned by this frame.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return f64::NAN;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
