//! Build slots: target directories in which submissions are built, one
//! build at a time in each, so that a batch builds up to `--jobs`
//! submissions at once (cargo serialises builds that share a target
//! directory), and the machine never more than one per core.
//!
//! Slot `k` is `<build dir>/slots/<k>/`, held with an exclusive `flock` on
//! `<build dir>/slots/<k>.lock` (by any grader on the machine: the lowest free
//! slot is taken; when all [`max_slots`] are busy the build waits for one, in
//! turn with every other build waiting on the machine). It is seeded once from
//! the warm shared cache (`<build dir>/debug`), so that libtorch's crates are
//! not built again: cargo's fingerprints, build-script outputs and small
//! files are copied with their times, and the libraries (`.rlib`, `.rmeta`),
//! which the compiler replaces rather than rewrites, are hard links. Slots
//! are kept across batches and runs.
//!
//! A slot holds only the dependencies and the build in progress: before and
//! after every build the artifacts of every assignment's student crate and
//! runner are removed from it, including those of a build whose grader was
//! killed, so no build can read another submission's.

use super::slot_queue::Ticket;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// How often a build waiting for a slot looks for a free one.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Slots of a build directory: one per core, whatever number of graders
/// share the machine (the harness's own tests run several at once). More
/// builds than cores only slow each other down, past their wall-clock limit
/// (`build_time_s`, which starts once a build has its slot).
pub fn max_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Written into a slot once it is completely seeded.
const SEEDED: &str = ".gradwork-seeded";

/// Cargo's per-crate artifact directories in a profile directory.
pub(super) const ARTIFACT_DIRS: &[&str] = &["deps", ".fingerprint", "incremental", "build"];

/// A build slot, held until dropped.
#[derive(Debug)]
pub struct Slot {
    target: PathBuf,
    _lock: File,
}

impl Slot {
    /// Takes the lowest free slot of `build_dir` among the first
    /// `max_slots`, waiting until one is free (making and seeding it if it is
    /// new), with no artifact of any of `assignments`' student crates or
    /// runners in it. Builds that wait are served in the order they came,
    /// whichever grader they belong to (see [`slot_queue`](super::slot_queue)).
    pub fn take(build_dir: &Path, assignments: &[String], max_slots: usize) -> io::Result<Slot> {
        let ticket = Ticket::join(&build_dir.join("slots").join("queue"))?;
        loop {
            if ticket.is_first()? {
                if let Some(slot) = Slot::try_take(build_dir, assignments, max_slots)? {
                    return Ok(slot);
                }
            }
            std::thread::sleep(POLL);
        }
    }

    /// [`Slot::take`] without waiting: `None` when all `max_slots` are busy.
    pub fn try_take(build_dir: &Path, assignments: &[String], max_slots: usize) -> io::Result<Option<Slot>> {
        let slots = build_dir.join("slots");
        fs::create_dir_all(&slots)?;
        let mut taken = None;
        for k in 0..max_slots.max(1) {
            let lock = lock_file(&slots, k)?;
            if flock(&lock, libc::LOCK_EX | libc::LOCK_NB).is_ok() {
                taken = Some((k, lock));
                break;
            }
        }
        let Some((k, lock)) = taken else { return Ok(None) };
        let target = slots.join(k.to_string());
        seed_target_dir(build_dir, &target)?;
        let slot = Slot { target, _lock: lock };
        for id in assignments {
            Artifacts::of(id).remove(&slot.target);
        }
        Ok(Some(slot))
    }

    /// The slot's target directory (cargo's `CARGO_TARGET_DIR`).
    pub fn target_dir(&self) -> &Path {
        &self.target
    }
}

fn lock_file(slots: &Path, k: usize) -> io::Result<File> {
    fs::OpenOptions::new().create(true).truncate(false).write(true).open(slots.join(format!("{k}.lock")))
}

pub(super) fn flock(file: &File, how: libc::c_int) -> io::Result<()> {
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), how) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Seeds the cargo target directory `target` from the warm shared cache of
/// `build_dir` as a slot is seeded, once: a target directory seeded before is
/// left as it is. A build in a workspace of its own (a slot's, or a released
/// course's) then rebuilds only its own packages, not libtorch's crates.
pub fn seed_target_dir(build_dir: &Path, target: &Path) -> io::Result<()> {
    if target.join(SEEDED).is_file() {
        return Ok(());
    }
    seed(build_dir, target)
}

/// Fills `target` from the shared cache `build_dir/debug` (what is there:
/// an empty cache seeds an empty slot, which then builds everything once).
/// Cargo's lock on the cache is held meanwhile, so nothing is copied half-written.
fn seed(build_dir: &Path, target: &Path) -> io::Result<()> {
    if target.exists() {
        fs::remove_dir_all(target)?;
    }
    let from = build_dir.join("debug");
    let to = target.join("debug");
    fs::create_dir_all(&to)?;
    if from.is_dir() {
        let cargo_lock = fs::OpenOptions::new().create(true).truncate(false).write(true).open(from.join(".cargo-lock"))?;
        flock(&cargo_lock, libc::LOCK_SH)?;
        for sub in ["deps", "build", ".fingerprint"] {
            if from.join(sub).is_dir() {
                copy_tree(&from.join(sub), &to.join(sub), sub == "deps")?;
            }
        }
    }
    fs::write(target.join(SEEDED), "seeded from the shared cache by gradwork\n")
}

/// Copies `from` into `to` keeping modification times (cargo's freshness
/// checks compare them); in `deps/`, libraries are hard-linked and
/// executables (graders, tests) left out.
fn copy_tree(from: &Path, to: &Path, deps: bool) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&src, &dst, deps)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src)?, &dst)?;
        } else if kind.is_file() {
            let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("");
            if deps && ext.is_empty() {
                continue;
            }
            // rustc writes libraries to a new file and renames it into place, so a
            // rebuild in the slot never writes through a link into the shared cache.
            if deps && (ext == "rlib" || ext == "rmeta") && fs::hard_link(&src, &dst).is_ok() {
                continue;
            }
            fs::copy(&src, &dst)?;
            let meta = entry.metadata()?;
            let times = fs::FileTimes::new().set_modified(meta.modified()?).set_accessed(meta.accessed()?);
            File::options().write(true).open(&dst)?.set_times(times)?;
        }
    }
    Ok(())
}

/// The artifacts of one assignment's student crate and runner in a target
/// directory: `<prefix><16 hex digits>[.ext]` in cargo's artifact directories,
/// and the runner binary cargo copies to `debug/`.
pub(super) struct Artifacts {
    bin: String,
    prefixes: Vec<String>,
}

impl Artifacts {
    /// The artifacts of assignment `id`.
    pub(super) fn of(id: &str) -> Artifacts {
        let crate_name = id.replace('-', "_");
        let prefixes = vec![
            format!("{id}-"),
            format!("{id}-runner-"),
            format!("{crate_name}-"),
            format!("lib{crate_name}-"),
            format!("{crate_name}_runner-"),
            format!("lib{crate_name}_runner-"),
        ];
        Artifacts { bin: format!("{id}-runner"), prefixes }
    }

    /// Their paths in `target`.
    fn list(&self, target: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ARTIFACT_DIRS {
            let dir = target.join("debug").join(sub);
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if self.prefixes.iter().any(|p| name.strip_prefix(p.as_str()).is_some_and(is_hash_name)) {
                    out.push(entry.path());
                }
            }
        }
        out
    }

    /// Removes them from `target`.
    pub(super) fn remove(&self, target: &Path) {
        for path in self.list(target) {
            let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        }
        let bin = target.join("debug").join(&self.bin);
        let _ = fs::remove_file(&bin);
        let _ = fs::remove_file(bin.with_extension("d"));
    }
}

/// `0123456789abcdef` or `0123456789abcdef.rlib`: cargo's metadata hash.
fn is_hash_name(rest: &str) -> bool {
    let hash = rest.split('.').next().unwrap_or("");
    hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_artifacts_of_student_crates_and_runners_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let debug = dir.path().join("debug");
        for sub in ARTIFACT_DIRS {
            fs::create_dir_all(debug.join(sub)).unwrap();
        }
        let gone = [
            "deps/liba01_tensors-0000000000000001.rlib",
            "deps/liba01_tensors-00000000000000a2.rlib",
            "deps/a01_tensors_runner-00000000000000a3",
            "deps/liba01_tensors_runner-00000000000000a4.rmeta",
            ".fingerprint/a01-tensors-runner-00000000000000a5",
            ".fingerprint/a01-tensors-00000000000000a6",
        ];
        let kept = [
            "deps/liba01_tensors_grader-00000000000000b1.rlib",
            "deps/libtch-00000000000000b2.rlib",
            ".fingerprint/a01-tensors-grader-00000000000000b3",
            "deps/liba01_tensors-notahash.rlib",
            "deps/liba02_gradients-00000000000000b4.rlib",
        ];
        for f in gone.iter().chain(kept.iter()) {
            if f.starts_with(".fingerprint") {
                fs::create_dir_all(debug.join(f)).unwrap();
            } else {
                fs::write(debug.join(f), "").unwrap();
            }
        }
        fs::write(debug.join("a01-tensors-runner"), "").unwrap();
        Artifacts::of("a01-tensors").remove(dir.path());
        for f in gone {
            assert!(!debug.join(f).exists(), "{f} should be gone");
        }
        for f in kept {
            assert!(debug.join(f).exists(), "{f} should stay");
        }
        assert!(!debug.join("a01-tensors-runner").exists(), "the runner cargo copied to debug/ is gone");
    }

    #[test]
    fn slots_are_seeded_once_with_times_kept_and_taken_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let build_dir = dir.path();
        let debug = build_dir.join("debug");
        for sub in ["deps", "build/torch-sys-00000000000000c1/out", ".fingerprint/tch-00000000000000c2", "incremental/x"] {
            fs::create_dir_all(debug.join(sub)).unwrap();
        }
        let files = [
            "deps/libtch-00000000000000c2.rlib",
            "deps/libtch-00000000000000c2.rmeta",
            "deps/tch-00000000000000c2.d",
            "deps/a01_tensors_grader-00000000000000c3",
            "deps/liba01_tensors-00000000000000c4.rlib",
            "build/torch-sys-00000000000000c1/output",
            "build/torch-sys-00000000000000c1/out/libtch.a",
            ".fingerprint/tch-00000000000000c2/lib-tch",
            "incremental/x/junk",
            "a01-tensors-grader",
        ];
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        for f in files {
            fs::write(debug.join(f), f).unwrap();
            File::options().write(true).open(debug.join(f)).unwrap().set_modified(old).unwrap();
        }
        let ids = vec!["a01-tensors".to_string()];
        let first = Slot::take(build_dir, &ids, 2).unwrap();
        let target = first.target_dir().join("debug");
        assert_eq!(first.target_dir(), build_dir.join("slots/0"));
        for f in ["deps/libtch-00000000000000c2.rlib", "deps/tch-00000000000000c2.d", "build/torch-sys-00000000000000c1/out/libtch.a", ".fingerprint/tch-00000000000000c2/lib-tch"] {
            assert_eq!(fs::read_to_string(target.join(f)).unwrap(), f);
            assert_eq!(fs::metadata(target.join(f)).unwrap().modified().unwrap(), old, "{f} keeps its time");
        }
        use std::os::unix::fs::MetadataExt;
        assert_eq!(fs::metadata(target.join("deps/libtch-00000000000000c2.rlib")).unwrap().ino(), fs::metadata(debug.join("deps/libtch-00000000000000c2.rlib")).unwrap().ino(), "libraries are linked");
        assert_ne!(fs::metadata(target.join("deps/tch-00000000000000c2.d")).unwrap().ino(), fs::metadata(debug.join("deps/tch-00000000000000c2.d")).unwrap().ino(), "other files are copied");
        for f in ["deps/a01_tensors_grader-00000000000000c3", "incremental", "a01-tensors-grader", "deps/liba01_tensors-00000000000000c4.rlib"] {
            assert!(!target.join(f).exists(), "{f} is not in the slot");
        }
        // A second taker gets another slot while the first is held, and the first again once it is free.
        let second = Slot::take(build_dir, &ids, 2).unwrap();
        assert_eq!(second.target_dir(), build_dir.join("slots/1"));
        assert!(Slot::try_take(build_dir, &ids, 2).unwrap().is_none(), "no third slot beyond the two allowed");
        fs::write(target.join("deps/marker"), "").unwrap();
        drop(first);
        let again = Slot::take(build_dir, &ids, 2).unwrap();
        assert_eq!(again.target_dir(), build_dir.join("slots/0"));
        assert!(target.join("deps/marker").exists(), "a seeded slot is not seeded again");
        // A leftover of a build whose grader was killed is gone when the slot is taken.
        drop(again);
        fs::write(target.join("deps/liba01_tensors-00000000000000d1.rlib"), "another submission").unwrap();
        let third = Slot::take(build_dir, &ids, 2).unwrap();
        assert_eq!(third.target_dir(), build_dir.join("slots/0"));
        assert!(!target.join("deps/liba01_tensors-00000000000000d1.rlib").exists());
    }

    #[test]
    fn a_waiting_build_gets_the_freed_slot_before_one_that_asks_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let build_dir = dir.path().to_path_buf();
        let queue = build_dir.join("slots/queue");
        let held = Slot::take(&build_dir, &[], 1).unwrap();
        let (got, order) = std::sync::mpsc::channel();
        let waiter = |name: &'static str| {
            let (build_dir, got) = (build_dir.clone(), got.clone());
            std::thread::spawn(move || {
                let slot = Slot::take(&build_dir, &[], 1).unwrap();
                got.send(name).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(50));
                drop(slot);
            })
        };
        let queued = |n: usize| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while fs::read_dir(&queue).unwrap().count() != n {
                assert!(std::time::Instant::now() < deadline, "{n} builds never queued");
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        };
        let first = waiter("waited first");
        queued(1);
        // The holder frees its slot and at once wants one again, as a grader
        // does between two submissions: it asks after the waiter, so it waits.
        drop(held);
        let again = waiter("asked again");
        first.join().unwrap();
        again.join().unwrap();
        assert_eq!(order.try_iter().collect::<Vec<_>>(), ["waited first", "asked again"]);
        assert_eq!(fs::read_dir(&queue).unwrap().count(), 0, "no ticket is left in the queue");
    }

    #[test]
    fn rustc_replaces_a_library_rather_than_writing_through_its_link() {
        // What makes hard-linking a slot's libraries to the shared cache safe.
        let dir = tempfile::tempdir().unwrap();
        let (shared, slot) = (dir.path().join("shared"), dir.path().join("slot"));
        fs::create_dir_all(&shared).unwrap();
        fs::create_dir_all(&slot).unwrap();
        let source = dir.path().join("x.rs");
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let compile = |out: &Path| {
            let status = std::process::Command::new(&rustc)
                .args(["--crate-type", "lib", "--crate-name", "x", "--emit=metadata,link", "-C", "metadata=0123456789abcdef", "--out-dir"])
                .arg(out)
                .arg(&source)
                .status();
            status.map(|s| s.success()).unwrap_or(false)
        };
        fs::write(&source, "pub fn f() -> u32 { 1 }").unwrap();
        if !compile(&shared) {
            return eprintln!("skipped (no rustc to run)");
        }
        for lib in ["libx.rlib", "libx.rmeta"] {
            fs::hard_link(shared.join(lib), slot.join(lib)).unwrap();
        }
        let before: Vec<Vec<u8>> = ["libx.rlib", "libx.rmeta"].iter().map(|l| fs::read(shared.join(l)).unwrap()).collect();
        fs::write(&source, "pub fn f() -> u32 { 2 }").unwrap();
        assert!(compile(&slot));
        for (lib, bytes) in ["libx.rlib", "libx.rmeta"].iter().zip(before) {
            assert_eq!(fs::read(shared.join(lib)).unwrap(), bytes, "{lib} in the shared cache changed");
            assert_ne!(fs::read(slot.join(lib)).unwrap(), bytes, "{lib} in the slot was not rebuilt");
        }
    }
}
