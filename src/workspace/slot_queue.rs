//! The queue of builds waiting for a build slot, first come, first served,
//! across every grader on the machine.
//!
//! Without it, waiting builds poll for a free slot, and a grader that frees a
//! slot and at once wants it for its next submission takes it again before a
//! waiting grader's next poll: one busy grader could keep another waiting
//! for minutes. So a build that wants a slot first takes a [`Ticket`], a file
//! in `<build dir>/slots/queue/` named by the time it joined, held with an
//! exclusive `flock` while it waits; only the oldest live ticket may take a
//! slot. A grader that needs another slot joins again, at the back.
//!
//! A ticket whose grader is gone (killed with SIGKILL: its file is left, but
//! the kernel released its lock) is removed by the next build that looks.

use super::slots::flock;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A place in the queue of `dir`, held until dropped.
#[derive(Debug)]
pub(super) struct Ticket {
    path: PathBuf,
    _lock: File,
}

impl Ticket {
    /// Joins the queue in `dir` (made if missing), behind every ticket already there.
    pub(super) fn join(dir: &Path) -> io::Result<Ticket> {
        static JOINED: AtomicU64 = AtomicU64::new(0);
        fs::create_dir_all(dir)?;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        // Zero-padded, so that names sort by the time they joined; the process
        // and a per-process count keep two tickets of one instant apart.
        let name = format!("{nanos:024}-{:010}-{:010}", std::process::id(), JOINED.fetch_add(1, Ordering::Relaxed));
        // Locked before it has its name, so that no one takes it for a dead grader's.
        let hidden = dir.join(format!(".{name}"));
        let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&hidden)?;
        flock(&file, libc::LOCK_EX)?;
        let path = dir.join(&name);
        fs::rename(&hidden, &path)?;
        Ok(Ticket { path, _lock: file })
    }

    /// Whether this ticket is the oldest live one in its queue. Tickets of
    /// graders that are gone are removed on the way.
    pub(super) fn is_first(&self) -> io::Result<bool> {
        let Some(dir) = self.path.parent() else { return Ok(true) };
        let Some(mine) = self.path.file_name() else { return Ok(true) };
        let mut older: Vec<PathBuf> = fs::read_dir(dir)?
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.') && e.file_name().as_os_str() < mine)
            .map(|e| e.path())
            .collect();
        older.sort();
        for path in older {
            // Read-only is enough for flock, and works on another user's ticket.
            match File::open(&path) {
                // Its owner holds the lock: it waits, ahead of this one.
                Ok(file) if flock(&file, libc::LOCK_EX | libc::LOCK_NB).is_err() => return Ok(false),
                // Nobody holds it: its grader is gone.
                Ok(_) => {
                    let _ = fs::remove_file(&path);
                }
                // Removed meanwhile (it got its slot, or someone swept it).
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_go_in_the_order_they_joined_and_leave_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Ticket::join(dir.path()).unwrap();
        let second = Ticket::join(dir.path()).unwrap();
        let third = Ticket::join(dir.path()).unwrap();
        assert!(first.is_first().unwrap());
        assert!(!second.is_first().unwrap());
        assert!(!third.is_first().unwrap());
        drop(first);
        assert!(second.is_first().unwrap());
        assert!(!third.is_first().unwrap());
        drop(second);
        assert!(third.is_first().unwrap());
        drop(third);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "no ticket is left behind");
    }

    #[test]
    fn a_ticket_left_by_a_killed_grader_is_swept_and_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        // An older name than any real ticket, and nobody holds its lock.
        let dead = dir.path().join(format!("{:024}-{:010}-{:010}", 1, 1, 0));
        fs::write(&dead, "").unwrap();
        let ticket = Ticket::join(dir.path()).unwrap();
        assert!(ticket.is_first().unwrap());
        assert!(!dead.exists(), "the dead grader's ticket is removed");
    }
}
