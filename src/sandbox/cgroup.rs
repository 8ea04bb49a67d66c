//! A memory cap over a child (a submission's build or its runner) and every
//! process it starts: a memory cgroup of its own. `RLIMIT_AS` caps each
//! process, but a submission that forks (up to the process limit) could add
//! those caps up, and a build is several processes (cargo, rustc, the
//! linker); in a cgroup the kernel counts them together and, past the cap,
//! kills inside the cgroup only.
//!
//! Where the cgroups are made ([`CgroupParent`]):
//!
//! - **cgroup v1** (a `memory` hierarchy): below the grader's own memory cgroup.
//! - **cgroup v2**: below a cgroup `gradwork` made beside or above the
//!   grader's own, with the `memory` controller handed to its children. The
//!   kernel lets a cgroup hand controllers down only while it holds no
//!   process (the root cgroup excepted), and the grader's own cgroup holds
//!   the grader, so [`v2_plan`] walks up from it to the nearest cgroup that
//!   already hands `memory` down, or may (it is the root, or holds no
//!   process). In a container whose cgroup namespace root holds processes
//!   (Docker, Gradescope), those processes are first moved into a leaf
//!   `gradwork-init` (as docker-in-docker does), after which the root may
//!   hand `memory` down. All of this needs root; anywhere it fails, [`probe`]
//!   says why and children keep their per-process limits.
//!
//! Each child's cgroup is named `gradwork-<kind>-<grader pid>-<n>`, so that
//! a later grader can remove (and empty) those of a grader that was killed
//! before it could ([`sweep_abandoned_cgroups`]).

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

/// The cgroup below which builds' and runners' cgroups are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupParent {
    dir: PathBuf,
    version: CgroupVersion,
    /// What had to be done to get it (cgroup v2), for the report header.
    note: Option<String>,
}

impl CgroupParent {
    /// The cgroup's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Which interface it speaks.
    pub fn version(&self) -> CgroupVersion {
        self.version
    }

    /// What was done to get it, if anything (moving processes on cgroup v2).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// A child's memory cgroup, removed on drop (after its processes are killed).
#[derive(Debug)]
pub struct MemoryCgroup {
    dir: PathBuf,
    version: CgroupVersion,
}

/// The name of the `n`-th cgroup a grader `pid` made for a child of `kind`.
pub(crate) fn child_name(kind: &str, pid: u32, n: u64) -> String {
    format!("gradwork-{kind}-{pid}-{n}")
}

/// The grader's pid in a name made by [`child_name`] (or the probe's
/// `gradwork-probe-<pid>`).
fn owner_pid(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("gradwork-")?;
    let mut parts = rest.split('-');
    let _kind = parts.next().filter(|k| !k.is_empty())?;
    parts.next()?.parse().ok().filter(|&p| p > 0)
}

/// Finds (or on cgroup v2 makes) the cgroup where children's cgroups go, and
/// checks that a child cgroup with a memory limit can be made there and a
/// process moved into it; the error says why not.
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
        return Ok(CgroupParent { dir: join(&mount, &path), version: CgroupVersion::V1, note: None });
    }
    // cgroup v2: "0::/path".
    let path = own.lines().find_map(|l| l.strip_prefix("0::")).ok_or("this process is in no memory cgroup")?;
    let mount = mount_point(&mounts, |fstype, _| fstype == "cgroup2").ok_or("no cgroup2 file system is mounted")?;
    let plan = v2_plan(&mount, path)?;
    plan.carry_out()
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

/// The words of a cgroup control file (`cgroup.controllers`, `cgroup.subtree_control`).
fn words(dir: &Path, file: &str) -> Vec<String> {
    fs::read_to_string(dir.join(file)).unwrap_or_default().split_whitespace().map(String::from).collect()
}

/// The processes in a cgroup (its own, not its children's).
fn procs(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default().lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// The shared parent of gradwork's cgroups on cgroup v2.
const V2_PARENT: &str = "gradwork";
/// Where the processes of a container's root cgroup go, to let it hand controllers down.
const V2_LEAF: &str = "gradwork-init";

/// How to get a cgroup v2 parent whose children can be capped: in `base`,
/// move every process into `base/gradwork-init` (when `move_out`), enable
/// `memory` for its children (when `enable`), then make `base/gradwork` and
/// enable `memory` for its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V2Plan {
    base: PathBuf,
    move_out: bool,
    enable: bool,
}

/// Decides, from what the files below `mount` say, where on cgroup v2 the
/// grader (in cgroup `own`, as `/proc/self/cgroup` names it) can make memory
/// cgroups. Reads only; [`V2Plan::carry_out`] writes.
pub(crate) fn v2_plan(mount: &Path, own: &str) -> Result<V2Plan, String> {
    let mut path = PathBuf::from(own.trim_start_matches('/'));
    let mut tried = Vec::new();
    loop {
        let dir = mount.join(&path);
        let top = path.as_os_str().is_empty();
        let shown = format!("/{}", path.display());
        // The real root has no cgroup.type; a cgroup namespace's root does.
        let real_root = top && !dir.join("cgroup.type").exists();
        if !dir.join("cgroup.controllers").is_file() {
            tried.push(format!("{shown} cannot be read"));
        } else if words(&dir, "cgroup.subtree_control").iter().any(|c| c == "memory") {
            return Ok(V2Plan { base: dir, move_out: false, enable: false });
        } else if !words(&dir, "cgroup.controllers").iter().any(|c| c == "memory") {
            tried.push(format!("{shown} does not have the memory controller (cgroup.controllers: {:?})", words(&dir, "cgroup.controllers").join(" ")));
        } else if real_root || procs(&dir).is_empty() {
            return Ok(V2Plan { base: dir, move_out: false, enable: true });
        } else if top {
            return Ok(V2Plan { base: dir, move_out: true, enable: true });
        } else {
            tried.push(format!("{shown} holds processes, so it cannot hand the memory controller to child cgroups"));
        }
        if top {
            return Err(format!("cgroup v2: no cgroup from /{} up to the root can give gradwork's cgroups a memory limit: {}", own.trim_start_matches('/'), tried.join("; ")));
        }
        path = path.parent().map(Path::to_path_buf).unwrap_or_default();
    }
}

impl V2Plan {
    /// Carries the plan out (root needed) and returns the parent it makes.
    pub(crate) fn carry_out(&self) -> Result<CgroupParent, String> {
        let mut note = None;
        if self.move_out {
            let leaf = self.base.join(V2_LEAF);
            if !leaf.is_dir() {
                fs::create_dir(&leaf).map_err(|e| format!("cgroup v2: cannot make {}: {e}", leaf.display()))?;
            }
            // Processes may fork while they are moved: a few rounds.
            let mut moved = std::collections::BTreeSet::new();
            for _ in 0..20 {
                let left = procs(&self.base);
                if left.is_empty() {
                    break;
                }
                for pid in left {
                    if write_file(&leaf.join("cgroup.procs"), &pid.to_string()).is_ok() {
                        moved.insert(pid);
                    }
                }
            }
            note = Some(format!(
                "cgroup v2: moved the {} processes of {} into {V2_LEAF}/ so that it can hand the memory controller down",
                moved.len(),
                self.base.display()
            ));
        }
        if self.enable {
            enable_memory(&self.base)?;
        }
        let parent = self.base.join(V2_PARENT);
        if !parent.is_dir() {
            fs::create_dir(&parent).map_err(|e| format!("cgroup v2: cannot make {}: {e}", parent.display()))?;
        }
        enable_memory(&parent)?;
        Ok(CgroupParent { dir: parent, version: CgroupVersion::V2, note })
    }
}

fn enable_memory(dir: &Path) -> Result<(), String> {
    if words(dir, "cgroup.subtree_control").iter().any(|c| c == "memory") {
        return Ok(());
    }
    write_file(&dir.join("cgroup.subtree_control"), "+memory").map_err(|e| {
        format!(
            "cgroup v2: the memory controller cannot be enabled below {} ({e}); a v2 cgroup that holds \
             processes cannot hand it to child cgroups",
            dir.display()
        )
    })
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
            // Past the cap the kernel kills the whole cgroup, not one process of it.
            let _ = write_file(&cgroup.dir.join("memory.oom.group"), "1");
        } else {
            let _ = write_file(&cgroup.dir.join("memory.memsw.limit_in_bytes"), &bytes.to_string());
        }
        Ok(cgroup)
    }

    /// The file a process writes its pid to, to join the cgroup.
    pub fn procs_file(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// Moves the process `pid` (and so everything it starts later) into the cgroup.
    pub fn add(&self, pid: u32) -> Result<(), String> {
        write_file(&self.procs_file(), &pid.to_string()).map_err(|e| format!("cannot move process {pid} into {}: {e}", self.dir.display()))
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

    /// The most memory its processes used together, in bytes (cgroup v1's
    /// `memory.max_usage_in_bytes`, v2's `memory.peak` where the kernel has it).
    pub fn peak_bytes(&self) -> Option<u64> {
        let file = match self.version {
            CgroupVersion::V1 => "memory.max_usage_in_bytes",
            CgroupVersion::V2 => "memory.peak",
        };
        fs::read_to_string(self.dir.join(file)).ok()?.trim().parse().ok()
    }

    /// Kills every process in the cgroup.
    pub fn kill_all(&self) {
        kill_cgroup(&self.dir);
    }
}

/// Kills every process in the cgroup `dir`: `cgroup.kill` where the kernel
/// has it (v2, 5.14 and later), else each process it lists, until none is left
/// (for about a second).
fn kill_cgroup(dir: &Path) {
    if write_file(&dir.join("cgroup.kill"), "1").is_ok() {
        return;
    }
    for round in 0..100u64 {
        let left = procs(dir);
        if left.is_empty() {
            return;
        }
        for pid in left.into_iter().filter(|&p| p > 1) {
            // SAFETY: kill(2) of a process in a cgroup this grader made for its children.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1 + round.min(9)));
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        self.kill_all();
        // rmdir fails while a process is still in the cgroup; its killer may need a moment.
        for _ in 0..50 {
            if fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// Empties and removes the cgroups that graders which are no longer running
/// made for their children (a grader killed with SIGKILL cannot remove its
/// own). Returns how many it removed.
pub fn sweep_abandoned_cgroups() -> usize {
    match &super::capabilities().memory {
        Ok(parent) => sweep_abandoned_in(&parent.dir),
        Err(_) => 0,
    }
}

fn sweep_abandoned_in(parent: &Path) -> usize {
    let mut removed = 0;
    for entry in fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner_pid) else { continue };
        if !entry.path().is_dir() || process_runs(pid) {
            continue;
        }
        kill_cgroup(&entry.path());
        for _ in 0..50 {
            if fs::remove_dir(entry.path()).is_ok() {
                removed += 1;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    removed
}

/// Whether a process `pid` exists (of any user).
fn process_runs(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
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

    #[test]
    fn cgroup_names_carry_their_grader() {
        assert_eq!(owner_pid(&child_name("build", 4242, 7)), Some(4242));
        assert_eq!(owner_pid(&child_name("runner", 17, 0)), Some(17));
        assert_eq!(owner_pid("gradwork-probe-99"), Some(99));
        assert_eq!(owner_pid("gradwork"), None);
        assert_eq!(owner_pid("gradwork-init"), None);
        assert_eq!(owner_pid("user.slice"), None);
    }

    /// A fake cgroup v2 tree: each cgroup a folder with the control files the
    /// plan reads. `root` is the real root (no cgroup.type) unless `namespaced`.
    struct FakeTree(tempfile::TempDir);

    impl FakeTree {
        fn new(namespaced: bool) -> FakeTree {
            let tree = FakeTree(tempfile::tempdir().unwrap());
            tree.cgroup("", "cpu io memory pids", "", "");
            if !namespaced {
                fs::remove_file(tree.0.path().join("cgroup.type")).unwrap();
            }
            tree
        }

        fn cgroup(&self, path: &str, controllers: &str, subtree: &str, procs: &str) -> PathBuf {
            let dir = self.0.path().join(path);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("cgroup.controllers"), controllers).unwrap();
            fs::write(dir.join("cgroup.subtree_control"), subtree).unwrap();
            fs::write(dir.join("cgroup.procs"), procs).unwrap();
            fs::write(dir.join("cgroup.type"), "domain").unwrap();
            dir
        }

        fn root(&self) -> &Path {
            self.0.path()
        }
    }

    #[test]
    fn v2_on_a_systemd_host_uses_the_nearest_cgroup_that_hands_memory_down() {
        let tree = FakeTree::new(false);
        tree.cgroup("system.slice", "cpu io memory pids", "memory pids", "");
        tree.cgroup("system.slice/runner.service", "memory pids", "", "812\n813\n");
        let plan = v2_plan(tree.root(), "/system.slice/runner.service").unwrap();
        assert_eq!(plan, V2Plan { base: tree.root().join("system.slice"), move_out: false, enable: false });
    }

    #[test]
    fn v2_in_an_empty_cgroup_enables_memory_there() {
        let tree = FakeTree::new(false);
        tree.cgroup("a", "memory", "", "");
        tree.cgroup("a/b", "", "", "1");
        let plan = v2_plan(tree.root(), "/a/b").unwrap();
        assert_eq!(plan, V2Plan { base: tree.root().join("a"), move_out: false, enable: true });
    }

    #[test]
    fn v2_at_the_real_root_enables_memory_even_with_processes() {
        let tree = FakeTree::new(false);
        fs::write(tree.root().join("cgroup.procs"), "1\n2\n").unwrap();
        let plan = v2_plan(tree.root(), "/").unwrap();
        assert_eq!(plan, V2Plan { base: tree.root().to_path_buf(), move_out: false, enable: true });
    }

    #[test]
    fn v2_in_a_container_moves_the_root_s_processes_to_a_leaf_and_writes_what_it_must() {
        let tree = FakeTree::new(true);
        fs::write(tree.root().join("cgroup.procs"), "1\n7\n").unwrap();
        let plan = v2_plan(tree.root(), "/").unwrap();
        assert_eq!(plan, V2Plan { base: tree.root().to_path_buf(), move_out: true, enable: true });
        // Carried out on the fake tree, where nothing moves the processes for real:
        // the writes land in the files the kernel would act on.
        fs::create_dir(tree.root().join(V2_LEAF)).unwrap();
        fs::write(tree.root().join(V2_LEAF).join("cgroup.procs"), "").unwrap();
        fs::create_dir(tree.root().join(V2_PARENT)).unwrap();
        fs::write(tree.root().join(V2_PARENT).join("cgroup.subtree_control"), "").unwrap();
        let parent = plan.carry_out().unwrap();
        assert_eq!(parent.dir(), tree.root().join(V2_PARENT));
        assert_eq!(parent.version(), CgroupVersion::V2);
        assert!(parent.note().unwrap().contains("moved the 2 processes"), "{:?}", parent.note());
        assert_eq!(fs::read_to_string(tree.root().join("cgroup.subtree_control")).unwrap(), "+memory");
        assert_eq!(fs::read_to_string(tree.root().join(V2_PARENT).join("cgroup.subtree_control")).unwrap(), "+memory");
        assert_eq!(fs::read_to_string(tree.root().join(V2_LEAF).join("cgroup.procs")).unwrap(), "7", "each pid written in turn");
    }

    #[test]
    fn v2_without_the_memory_controller_says_so() {
        let tree = FakeTree::new(false);
        fs::write(tree.root().join("cgroup.controllers"), "hugetlb").unwrap();
        let err = v2_plan(tree.root(), "/").unwrap_err();
        assert!(err.contains("/ does not have the memory controller") && err.contains("hugetlb"), "{err}");
        // A namespace root that holds processes and has no memory either.
        let tree = FakeTree::new(true);
        fs::write(tree.root().join("cgroup.controllers"), "cpu pids").unwrap();
        let err = v2_plan(tree.root(), "/").unwrap_err();
        assert!(err.starts_with("cgroup v2: no cgroup from / up to the root"), "{err}");
    }

    #[test]
    fn v2_cgroups_are_made_filled_and_killed_on_this_kernel() {
        // The real cgroup v2 hierarchy, where there is one the grader may write
        // (as root); its memory controller may be held by v1 (hybrid machines):
        // then this checks the parts that do not need it.
        let Some(mount) = fs::read_to_string("/proc/self/mountinfo").ok().and_then(|m| mount_point(&m, |t, _| t == "cgroup2")) else {
            return eprintln!("skipped (no cgroup2 file system here)");
        };
        let own = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let Some(path) = own.lines().find_map(|l| l.strip_prefix("0::")) else { return eprintln!("skipped (not in a v2 cgroup)") };
        let dir = join(&mount, path).join(format!("gradwork-test-{}", std::process::id()));
        if fs::create_dir(&dir).is_err() {
            return eprintln!("skipped (cannot make a cgroup in {})", dir.display());
        }
        let cgroup = MemoryCgroup { dir: dir.clone(), version: CgroupVersion::V2 };
        // A shell that joins from between fork and exec (as builds do), then starts
        // a process in a session of its own, out of its process group.
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "setsid sleep 7353 & echo started; wait"]).stdout(Stdio::piped());
        let prepared = super::super::enter::Prepared::new(Default::default(), None, None, None, Vec::new(), None, false)
            .unwrap()
            .join_cgroup(&cgroup.procs_file())
            .unwrap();
        prepared.install(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        assert_eq!(line.trim(), "started");
        assert_eq!(procs(&dir).len(), 2, "the shell and its setsid'd sleep are in the cgroup: {:?}", procs(&dir));
        cgroup.kill_all();
        let status = child.wait().unwrap();
        assert!(!status.success(), "the shell was killed");
        for _ in 0..100 {
            if procs(&dir).is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(procs(&dir).is_empty(), "cgroup.kill left {:?}", procs(&dir));
        drop(cgroup);
        assert!(!dir.exists(), "the cgroup is removed on drop");
    }

    #[test]
    fn abandoned_cgroups_are_removed_and_others_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let mine = std::process::id();
        for name in [child_name("build", gone, 0), child_name("runner", mine, 1), "gradwork".into(), "other".into()] {
            fs::create_dir(tmp.path().join(&name)).unwrap();
        }
        assert_eq!(sweep_abandoned_in(tmp.path()), 1);
        let mut left: Vec<String> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut expected = vec![child_name("runner", mine, 1), "gradwork".into(), "other".into()];
        expected.sort();
        assert_eq!(left, expected);
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
