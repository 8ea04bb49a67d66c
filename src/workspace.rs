//! Building a submission in a temporary workspace that holds the pristine
//! assignment crate with only the allowed student files laid over it, plus
//! the assignment's runner. Nothing secret is in it: no reference solution,
//! no check suite, no hidden data. The student's `Cargo.toml`, `build.rs`,
//! tests and `.cargo/` are ignored and listed.
//!
//! The build runs in a [build slot](slots) of its own, within the rubric's
//! build limits ([`BuildLimits`]): past its time or output cap, or out of
//! memory, its whole process tree is killed and the slot is freed.

mod slot_queue;
mod slots;

use crate::cargo::{self, CargoError};
use crate::course::Course;
use crate::glob;
use crate::rubric::{Limits, Rubric};
use crate::sandbox::{self, Capabilities, Policy, Rlimit, Secrets};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use slots::{seed_target_dir, Slot};

/// Most files a submission may hold (anything beyond is not read).
const MAX_FILES: usize = 2000;
/// Largest single file laid over the pristine crate.
const MAX_FILE_BYTES: u64 = 2 << 20;

/// Why a submission could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The path is not shaped like the assignment crate.
    #[error("{path} is not a submission: {why}")]
    NotASubmission {
        /// the submission path
        path: PathBuf,
        /// what is missing
        why: String,
    },
    /// Preparing the workspace failed.
    #[error("could not prepare the build of {path}: {source}")]
    Io {
        /// the path involved
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
    /// The course's own manifests are broken.
    #[error("{0}")]
    Course(String),
    /// The student's code does not compile (or cargo failed).
    #[error(transparent)]
    Compile(#[from] CargoError),
    /// The build sandbox could not be set up.
    #[error("the build sandbox could not be set up: {0}")]
    Sandbox(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io { path: path.to_path_buf(), source }
}

/// Which submission files were used and which were ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    /// Files laid over the pristine crate (relative paths).
    pub used: Vec<String>,
    /// Files ignored because the rubric does not allow them.
    pub ignored: Vec<String>,
}

impl Overlay {
    /// The note for the student's report, if anything was ignored.
    pub fn note(&self) -> Option<String> {
        if self.ignored.is_empty() {
            return None;
        }
        let shown: Vec<String> = self.ignored.iter().take(20).map(|f| format!("`{f}`")).collect();
        let more = self.ignored.len().saturating_sub(20);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        Some(format!(
            "These files of your submission were ignored (only your source files count; the assignment's own \
             Cargo.toml, build script and tests are used): {}{more}.",
            shown.join(", ")
        ))
    }
}

/// A built submission: its runner binary, and a private working directory.
/// The temporary workspace is deleted when this is dropped.
pub struct Built {
    /// The runner binary (in `sandbox_dir`).
    pub runner: PathBuf,
    /// An empty directory for the runner to run in (in `sandbox_dir`).
    pub workdir: PathBuf,
    /// The only directory the runner needs to see: its binary and working directory.
    pub sandbox_dir: PathBuf,
    _dir: tempfile::TempDir,
}

/// How to build: what the build may see, who the runner will run as, and
/// the limits of the build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// What untrusted code must not see; `None` builds without a sandbox
    /// (only the limits apply).
    pub secrets: Option<Secrets>,
    /// The uid the runner will run as: its binary and working directory are given to it.
    pub runner_uid: Option<u32>,
    /// What the build may use.
    pub limits: BuildLimits,
}

/// What a submission's build may use (the rubric's `build_*` limits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildLimits {
    /// Wall-clock seconds.
    pub time_s: f64,
    /// Memory in MiB: of all its processes together in a memory cgroup where
    /// the machine allows, of each process otherwise.
    pub memory_mb: u64,
    /// Output of cargo and the compiler, in MiB.
    pub output_mb: u64,
    /// Largest file it may write, in MiB.
    pub file_size_mb: u64,
}

impl Default for BuildLimits {
    fn default() -> BuildLimits {
        BuildLimits::from(&Limits::default())
    }
}

impl From<&Limits> for BuildLimits {
    fn from(limits: &Limits) -> BuildLimits {
        BuildLimits {
            time_s: limits.build_time_s,
            memory_mb: limits.build_memory_mb,
            output_mb: limits.build_output_mb,
            file_size_mb: limits.build_file_size_mb,
        }
    }
}

impl BuildLimits {
    /// The per-process limits of a build: its memory where no cgroup caps the
    /// whole tree, the size of the files it writes, no core dumps.
    fn rlimits(&self, per_process_memory: bool) -> Vec<Rlimit> {
        let mut out = vec![Rlimit::new(libc::RLIMIT_FSIZE as _, self.file_size_mb << 20), Rlimit::new(libc::RLIMIT_CORE as _, 0)];
        if per_process_memory {
            out.push(Rlimit::new(libc::RLIMIT_DATA as _, self.memory_mb << 20));
        }
        out
    }
}

/// Lists a submission's files (relative, `/`-separated), never following symlinks.
pub fn list_files(root: &Path) -> Result<Vec<String>, BuildError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let mut entries: Vec<_> = fs::read_dir(&dir).map_err(io(&dir))?.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(kind) = entry.file_type() else { continue };
            let child = rel.join(name);
            if kind.is_dir() {
                if name != "target" && name != ".git" {
                    stack.push(child);
                }
            } else if kind.is_file() && out.len() < MAX_FILES {
                out.push(child.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Splits a submission's files into used (allowed by the rubric) and ignored.
pub fn overlay_plan(files: &[String], rubric: &Rubric) -> Overlay {
    let (used, ignored) = files.iter().cloned().partition(|f| rubric.allowed_files.iter().any(|g| glob::matches(g, f)));
    Overlay { used, ignored }
}

/// Builds `submission` for assignment `id` and returns its runner.
///
/// The build runs in a sandbox when `options.secrets` is set: its own mount
/// namespace where the course (but the parts the `gradwork` crate is built
/// from), the other submissions, the other build slots, the reports and the
/// user's home are hidden, so `include_str!("/path/to/reference/...")` finds
/// nothing; and no network. It runs in a build slot of its own, in its own
/// process group (killed with the grader, see [`sandbox::watchdog`]), within
/// `options.limits`; its artifacts are removed from the slot afterwards.
pub fn build(course: &Course, id: &str, submission: &Path, overlay: &Overlay, options: &BuildOptions) -> Result<Built, BuildError> {
    if !submission.join("src").is_dir() {
        return Err(BuildError::NotASubmission {
            path: submission.to_path_buf(),
            why: "it has no src/ directory; a submission is a copy of the assignment crate with your src/ files".into(),
        });
    }
    let dir = crate::scratch::tempdir("build").map_err(io(&std::env::temp_dir()))?;
    let crate_dir = lay_out(course, id, submission, overlay, dir.path())?;
    let sandbox_dir = dir.path().join("sandbox");
    let runner_bin = sandbox_dir.join("runner");
    compile(course, id, dir.path(), &crate_dir, &runner_bin, options)?;
    let workdir = sandbox_dir.join("work");
    fs::create_dir_all(&workdir).map_err(io(&workdir))?;
    if let Some(uid) = options.runner_uid {
        give_to(dir.path(), &sandbox_dir, &runner_bin, &workdir, uid)?;
    }
    Ok(Built { runner: runner_bin, workdir, sandbox_dir, _dir: dir })
}

/// Lays out the build's workspace in `workspace`: the pristine student crate
/// with the submission's allowed files over it, as the workspace root, and
/// the runner as its member. Returns the student crate's folder.
fn lay_out(course: &Course, id: &str, submission: &Path, overlay: &Overlay, workspace: &Path) -> Result<PathBuf, BuildError> {
    // The student crate is the workspace root, so compiler messages and panic
    // locations name the student's files exactly as in their own crate: `src/lib.rs`.
    let crate_dir = workspace.join("crate");
    copy_tree(&course.stub_dir(id), &crate_dir, &["tests", "target", "samples"])?;
    for rel in &overlay.used {
        let from = submission.join(rel);
        let meta = fs::symlink_metadata(&from).map_err(io(&from))?;
        if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
            continue;
        }
        let to = crate_dir.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fs::copy(&from, &to).map_err(io(&from))?;
    }
    let runner = crate_dir.join("gradwork-runner");
    copy_tree(&course.runner_dir(id), &runner, &["target"])?;
    let tag = build_tag(workspace);
    point_runner_at_student(&runner.join("Cargo.toml"), id, &tag)?;
    make_workspace_root(course, &crate_dir.join("Cargo.toml"), &tag)?;
    let lock = course.root().join("Cargo.lock");
    if lock.is_file() {
        fs::copy(&lock, crate_dir.join("Cargo.lock")).map_err(io(&lock))?;
    }
    Ok(crate_dir)
}

/// Compiles the runner of the workspace laid out in `workspace` in a build
/// slot, within `options`' sandbox and limits, and copies it to `runner_bin`.
fn compile(course: &Course, id: &str, workspace: &Path, crate_dir: &Path, runner_bin: &Path, options: &BuildOptions) -> Result<(), BuildError> {
    let tmp = workspace.join("tmp");
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let build_dir = course.build_dir();
    fs::create_dir_all(&build_dir).map_err(io(&build_dir))?;
    // A slot of our own: builds in other slots go on meanwhile, and no other
    // build can see this one's artifacts (they are removed before the slot is freed).
    let slot = Slot::take(&build_dir, &course.assignments(), slots::max_slots()).map_err(io(&build_dir.join("slots")))?;
    let target = slot.target_dir();
    let bin = format!("{id}-runner");
    let mut cmd = cargo::command(target);
    cmd.current_dir(crate_dir)
        .args(["build", "--offline", "--quiet", "-p", &bin, "--bin", &bin])
        // One build per submission: an incremental cache would only be written, never read.
        .env("CARGO_INCREMENTAL", "0")
        .env("TMPDIR", &tmp);
    let limits = &options.limits;
    let off = Capabilities::none("--no-sandbox was given");
    let caps = if options.secrets.is_some() { sandbox::capabilities() } else { &off };
    let mut policy = Policy { die_with_parent: true, memory_tree: true, ..Policy::default() };
    if let Some(secrets) = &options.secrets {
        policy.mounts = secrets.for_build(workspace, target);
        policy.isolate_network = true;
    }
    let cgroup = policy.memory_cgroup_for("build", caps, limits.memory_mb << 20).map_err(BuildError::Sandbox)?;
    policy.rlimits = limits.rlimits(cgroup.is_none());
    policy.apply_in(&mut cmd, caps, cgroup.as_ref()).map_err(|e| BuildError::Sandbox(e.to_string()))?;
    let guard = cargo::Guard {
        time: Some(Duration::from_secs_f64(limits.time_s)),
        output_bytes: Some(limits.output_mb << 20),
        memory_mb: Some(limits.memory_mb),
        file_size_mb: Some(limits.file_size_mb),
        cgroup: cgroup.as_ref(),
        own_group: true,
    };
    let built = cargo::build_binary_within(cmd, &bin, &guard).map_err(|e| BuildError::Compile(student_paths(e, crate_dir)));
    drop(cgroup);
    let copied = built.and_then(|built| {
        let sandbox_dir = runner_bin.parent().unwrap_or(workspace);
        fs::create_dir_all(sandbox_dir).map_err(io(sandbox_dir))?;
        fs::copy(&built, runner_bin).map_err(io(&built))?;
        Ok(())
    });
    slots::Artifacts::of(id).remove(target);
    drop(slot);
    copied
}

/// Makes the runner's binary and directories its user's, and nobody else's.
/// The workspace itself stays root's, but can be passed through.
fn give_to(workspace: &Path, sandbox_dir: &Path, runner: &Path, workdir: &Path, uid: u32) -> Result<(), BuildError> {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| -> Result<(), BuildError> {
        std::os::unix::fs::chown(path, Some(uid), Some(uid)).map_err(io(path))?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io(path))
    };
    fs::set_permissions(workspace, fs::Permissions::from_mode(0o711)).map_err(io(workspace))?;
    set(sandbox_dir, 0o700)?;
    set(runner, 0o500)?;
    set(workdir, 0o700)
}

/// A tag unique to one build, from its temporary directory's random name.
fn build_tag(dir: &Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tag: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("g{tag}")
}

/// Rewrites compiler messages so they name the student's files as `src/...`.
fn student_paths(err: CargoError, crate_dir: &Path) -> CargoError {
    let crate_text = format!("{}/", crate_dir.display());
    match err {
        CargoError::Failed { summary, location } => {
            let summary = summary.replace(&crate_text, "");
            let location = location.map(|(f, l)| (f.trim_start_matches(&crate_text).to_string(), l));
            CargoError::Failed { summary, location }
        }
        CargoError::Stopped { limit, so_far } => CargoError::Stopped { limit, so_far: so_far.replace(&crate_text, "") },
        other => other,
    }
}

fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<(), BuildError> {
    fs::create_dir_all(to).map_err(io(to))?;
    for entry in fs::read_dir(from).map_err(io(from))?.flatten() {
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type().map_err(io(&src))?;
        if kind.is_dir() {
            copy_tree(&src, &dst, &["target"])?;
        } else if kind.is_file() {
            fs::copy(&src, &dst).map_err(io(&src))?;
        }
    }
    Ok(())
}

fn read_manifest(path: &Path) -> Result<toml::Table, BuildError> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    text.parse::<toml::Table>().map_err(|e| BuildError::Course(format!("{}: {e}", path.display())))
}

fn write_manifest(path: &Path, table: &toml::Table) -> Result<(), BuildError> {
    let text = toml::to_string(table).map_err(|e| BuildError::Course(format!("{}: {e}", path.display())))?;
    fs::write(path, text).map_err(io(path))
}

fn point_runner_at_student(manifest: &Path, id: &str, tag: &str) -> Result<(), BuildError> {
    let mut table = read_manifest(manifest)?;
    if let Some(package) = table.get_mut("package").and_then(|p| p.as_table_mut()) {
        package.insert("version".into(), toml::Value::String(format!("0.0.0-{tag}")));
    }
    let dep = table
        .get_mut("dependencies")
        .and_then(|d| d.as_table_mut())
        .and_then(|d| d.get_mut(id))
        .and_then(|d| d.as_table_mut())
        .ok_or_else(|| BuildError::Course(format!("{}: [dependencies] has no `{id}` table", manifest.display())))?;
    dep.insert("path".into(), toml::Value::String("..".into()));
    write_manifest(manifest, &table)
}

/// Turns the pristine student manifest into the workspace root: tests,
/// benches and examples removed (they link the grader, which must not be
/// there), the runner added as a member, and the course's shared dependency
/// versions (path dependencies made absolute) and build profiles, so that
/// the build reuses the shared cache.
fn make_workspace_root(course: &Course, manifest: &Path, tag: &str) -> Result<(), BuildError> {
    let mut table = read_manifest(manifest)?;
    for key in ["dev-dependencies", "test", "bench", "example", "workspace", "profile"] {
        table.remove(key);
    }
    // Cargo names artifacts of path packages by their path relative to the
    // workspace root, which is the same for every submission: a version
    // unique to this build keeps two submissions' artifacts apart in the
    // shared target directory.
    if let Some(package) = table.get_mut("package").and_then(|p| p.as_table_mut()) {
        package.insert("version".into(), toml::Value::String(format!("0.0.0-{tag}")));
    }
    let course_manifest = read_manifest(&course.root().join("Cargo.toml"))?;
    let mut deps = course_manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    for (_, dep) in deps.iter_mut() {
        if let Some(path) = dep.get_mut("path") {
            if let Some(p) = path.as_str() {
                *path = toml::Value::String(course.root().join(p).to_string_lossy().into_owned());
            }
        }
    }
    let mut workspace = toml::Table::new();
    workspace.insert("members".into(), toml::Value::Array(vec![".".into(), "gradwork-runner".into()]));
    workspace.insert("resolver".into(), "2".into());
    workspace.insert("dependencies".into(), toml::Value::Table(deps));
    table.insert("workspace".into(), toml::Value::Table(workspace));
    if let Some(profile) = course_manifest.get("profile") {
        table.insert("profile".into(), profile.clone());
    }
    write_manifest(manifest, &table)
}

/// A lock on a shared build directory (an exclusive `flock`, released on
/// drop), for what builds the assignment crates there (the harness's own
/// tests) one at a time. Graders build submissions in [`Slot`]s instead.
pub struct BuildLock(fs::File);

impl BuildLock {
    /// Waits for, and takes, the lock of `build_dir`.
    pub fn acquire(build_dir: &Path) -> Result<BuildLock, BuildError> {
        let path = &build_dir.join(".gradwork-build.lock");
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(io(path))?;
        slots::flock(&file, libc::LOCK_EX).map_err(io(path))?;
        Ok(BuildLock(file))
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = slots::flock(&self.0, libc::LOCK_UN);
    }
}
