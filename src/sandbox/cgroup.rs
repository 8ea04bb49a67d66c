//! A memory cap over a runner and every process it starts: a memory cgroup
//! of its own. `RLIMIT_AS` caps each process, but a submission that forks
//! (up to the process limit) could add those caps up; in a cgroup the kernel
//! counts them together and, past the cap, kills inside the cgroup only.
//!
//! New cgroups are made below the grader's own memory cgroup: cgroup v1's
//! `memory` hierarchy, or cgroup v2 when the grader's cgroup can enable the
//! `memory` controller for its children. A non-root v2 cgroup that holds
//! processes cannot (the grader's own does), so on cgroup v2 machines this
//! works only for a grader in the root cgroup; elsewhere [`probe`] says why
//! and runners keep the per-process limit. (Moving the grader into a leaf
//! cgroup of its own first would lift that; it is not done.)

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which cgroup interface the hierarchy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// cgroup v1: `memory.limit_in_bytes`, `memory.oom_control`.
    V1,
    /// cgroup v2: `memory.max`, `memory.events`.
    V2,
}

/// The grader's memory cgroup, where runners' cgroups are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupParent {
    dir: PathBuf,
    version: CgroupVersion,
}

/// A runner's memory cgroup, removed on drop (after its processes are gone).
#[derive(Debug)]
pub struct MemoryCgroup {
    dir: PathBuf,
    version: CgroupVersion,
}

/// Finds the grader's memory cgroup and checks that a child cgroup with a
/// memory limit can be made there and a process moved into it; the error
/// says why not.
pub fn probe() -> Result<CgroupParent, String> {
    let parent = find_parent()?;
    let test = MemoryCgroup::create(&parent, &format!("gradwork-probe-{}", std::process::id()), 64 << 20)?;
    // A process that waits for its stdin to close, moved in and let go.
    let mut waiting = std::process::Command::new("cat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start `cat` to probe the memory cgroup: {e}"))?;
    let joined = test.add(waiting.id());
    drop(waiting.stdin.take());
    let _ = waiting.wait();
    drop(test);
    joined.map(|()| parent)
}

fn find_parent() -> Result<CgroupParent, String> {
    let own = fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let mounts = fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    // cgroup v1 with a memory hierarchy: "4:memory:/path".
    let v1_path = own.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers.split(',').any(|c| c == "memory").then(|| path.to_string())
    });
    if let Some(path) = v1_path {
        let mount = mount_point(&mounts, |fstype, options| fstype == "cgroup" && options.split(',').any(|o| o == "memory"))
            .ok_or("the memory cgroup (v1) is not mounted")?;
        return Ok(CgroupParent { dir: join(&mount, &path), version: CgroupVersion::V1 });
    }
    // cgroup v2: "0::/path".
    let path = own.lines().find_map(|l| l.strip_prefix("0::")).ok_or("this process is in no memory cgroup")?;
    let mount = mount_point(&mounts, |fstype, _| fstype == "cgroup2").ok_or("no cgroup2 file system is mounted")?;
    let dir = join(&mount, path);
    let enabled = fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default();
    if !enabled.split_whitespace().any(|c| c == "memory") {
        write_file(&dir.join("cgroup.subtree_control"), "+memory").map_err(|e| {
            format!(
                "cgroup v2: the memory controller cannot be enabled below {} ({e}); a v2 cgroup that holds \
                 processes (the grader's does) cannot hand it to child cgroups",
                dir.display()
            )
        })?;
    }
    Ok(CgroupParent { dir, version: CgroupVersion::V2 })
}

/// The mount point of the first mount whose file-system type and super options match.
fn mount_point(mountinfo: &str, wanted: impl Fn(&str, &str) -> bool) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        // "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory"
        let (before, after) = line.split_once(" - ")?;
        let mount = before.split(' ').nth(4)?;
        let mut rest = after.split(' ');
        let (fstype, _source, options) = (rest.next()?, rest.next()?, rest.next().unwrap_or(""));
        wanted(fstype, options).then(|| PathBuf::from(mount))
    })
}

fn join(mount: &Path, cgroup_path: &str) -> PathBuf {
    mount.join(cgroup_path.trim_start_matches('/'))
}

fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    fs::OpenOptions::new().write(true).open(path)?.write_all(text.as_bytes())
}

impl MemoryCgroup {
    /// A new cgroup `name` below `parent` whose processes together may use at most `bytes`.
    pub fn create(parent: &CgroupParent, name: &str, bytes: u64) -> Result<MemoryCgroup, String> {
        let dir = parent.dir.join(name);
        fs::create_dir(&dir).map_err(|e| format!("cannot make the cgroup {}: {e}", dir.display()))?;
        let cgroup = MemoryCgroup { dir, version: parent.version };
        let limit_file = match cgroup.version {
            CgroupVersion::V1 => "memory.limit_in_bytes",
            CgroupVersion::V2 => "memory.max",
        };
        write_file(&cgroup.dir.join(limit_file), &bytes.to_string())
            .map_err(|e| format!("cannot set {} of {}: {e}", limit_file, cgroup.dir.display()))?;
        if cgroup.version == CgroupVersion::V2 {
            // No swap to escape to (absent when the kernel has no swap accounting).
            let _ = write_file(&cgroup.dir.join("memory.swap.max"), "0");
        } else {
            let _ = write_file(&cgroup.dir.join("memory.memsw.limit_in_bytes"), &bytes.to_string());
        }
        Ok(cgroup)
    }

    /// Moves the process `pid` (and so everything it starts later) into the cgroup.
    pub fn add(&self, pid: u32) -> Result<(), String> {
        write_file(&self.dir.join("cgroup.procs"), &pid.to_string())
            .map_err(|e| format!("cannot move process {pid} into {}: {e}", self.dir.display()))
    }

    /// Whether the kernel killed a process of the cgroup for passing the cap.
    pub fn out_of_memory(&self) -> bool {
        let (file, key) = match self.version {
            CgroupVersion::V1 => ("memory.oom_control", "oom_kill"),
            CgroupVersion::V2 => ("memory.events", "oom_kill"),
        };
        let text = fs::read_to_string(self.dir.join(file)).unwrap_or_default();
        text.lines().any(|l| l.strip_prefix(key).and_then(|n| n.trim().parse::<u64>().ok()).is_some_and(|n| n > 0))
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        // rmdir fails while a process is still in the cgroup; its killer may need a moment.
        for _ in 0..50 {
            if fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn mount_points_are_read_from_mountinfo() {
        let info = "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory\n\
                    40 25 0:35 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n";
        let v1 = mount_point(info, |t, o| t == "cgroup" && o.split(',').any(|x| x == "memory"));
        assert_eq!(v1, Some(PathBuf::from("/sys/fs/cgroup/memory")));
        assert_eq!(mount_point(info, |t, _| t == "cgroup2"), Some(PathBuf::from("/sys/fs/cgroup/unified")));
        assert_eq!(join(Path::new("/sys/fs/cgroup/memory"), "/a/b"), PathBuf::from("/sys/fs/cgroup/memory/a/b"));
    }

    /// Three processes of 48 MiB each, alone within a 64 MiB cap but not together.
    const THREE_HOGS: &str = "for i in 1 2 3; do (head -c 48M /dev/zero | tail -c 48M > /dev/null) & done; wait";

    #[test]
    fn processes_are_capped_together() {
        let parent = match probe() {
            Ok(p) => p,
            Err(why) => return eprintln!("skipped (no memory cgroup here: {why})"),
        };
        let cgroup = MemoryCgroup::create(&parent, &format!("gradwork-test-{}", std::process::id()), 64 << 20).unwrap();
        let mut child = Command::new("/bin/sh")
            .args(["-c", &format!("read go; {THREE_HOGS}")])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        cgroup.add(child.id()).unwrap();
        // The shell starts its hogs only once it is in the cgroup.
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        let _ = child.wait().unwrap();
        assert!(cgroup.out_of_memory(), "three 48 MiB processes under a 64 MiB cap: the kernel should have killed one");
        drop(cgroup);

        // Without the cap the same processes are fine.
        let free = Command::new("/bin/sh").args(["-c", THREE_HOGS]).stderr(Stdio::null()).status().unwrap();
        assert!(free.success());
    }
}
