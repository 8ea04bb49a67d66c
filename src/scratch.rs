//! gradwork's temporary folders, named after the process that made them
//! (`$TMPDIR/gradwork-<kind>-<pid>-<random>`), so that the next run can
//! recognise and remove those of a grader that was killed (a cluster's time
//! limit, the OOM killer, `kill -9`): a folder is removed only when its
//! process is gone and it belongs to this user. A running grader's folders,
//! and anything not named this way, are left alone.

use std::path::Path;

const PREFIX: &str = "gradwork-";

/// A new temporary folder `$TMPDIR/gradwork-<kind>-<pid>-<random>`, removed on drop.
pub fn tempdir(kind: &str) -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix(&format!("{PREFIX}{kind}-{}-", std::process::id())).tempdir()
}

/// Removes, from `$TMPDIR`, the folders that [`tempdir`] made in processes
/// that no longer run; returns how many it removed.
pub fn remove_abandoned() -> usize {
    remove_abandoned_in(&std::env::temp_dir())
}

/// [`remove_abandoned`] in the folder `dir`.
pub fn remove_abandoned_in(dir: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner_pid) else { continue };
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
        if !meta.is_dir() || meta.uid() != me || process_runs(pid) {
            continue;
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The pid in `gradwork-<kind>-<pid>-<random>`.
fn owner_pid(name: &str) -> Option<i32> {
    let rest = name.strip_prefix(PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let (_random, pid, kind) = (parts.next()?, parts.next()?, parts.next()?);
    if kind.is_empty() {
        return None;
    }
    pid.parse().ok().filter(|&p| p > 0)
}

/// Whether a process `pid` exists (of any user).
fn process_runs(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_process() {
        assert_eq!(owner_pid("gradwork-build-4242-Ab3dEf"), Some(4242));
        assert_eq!(owner_pid("gradwork-dev-check-17-xYz123"), Some(17));
        assert_eq!(owner_pid("gradwork-build-Ab3dEf"), None);
        assert_eq!(owner_pid("gradwork-4242-Ab3dEf"), None);
        assert_eq!(owner_pid("other-build-4242-Ab3dEf"), None);
    }

    #[test]
    fn only_the_folders_of_finished_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let mine = std::process::id();
        for name in [format!("gradwork-build-{gone}-aaaaaa"), format!("gradwork-build-{mine}-bbbbbb"), "gradwork-build-cccccc".into(), format!("notes-{gone}-dddddd")] {
            std::fs::create_dir_all(tmp.path().join(&name).join("crate/src")).unwrap();
        }
        std::fs::write(tmp.path().join(format!("gradwork-file-{gone}-eeeeee")), "a file, not a folder").unwrap();
        assert_eq!(remove_abandoned_in(tmp.path()), 1);
        let mut left: Vec<String> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut expected = vec![
            format!("gradwork-build-{mine}-bbbbbb"),
            "gradwork-build-cccccc".to_string(),
            format!("gradwork-file-{gone}-eeeeee"),
            format!("notes-{gone}-dddddd"),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }
}
