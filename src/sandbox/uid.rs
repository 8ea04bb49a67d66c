//! Sandbox user ids: each runner runs as its own unprivileged uid from a
//! reserved range, so that the kernel's per-user process limit applies to it
//! alone and every process it leaves behind can be found by its uid.
//!
//! A uid is claimed by binding an abstract Unix socket named after it: the
//! claim is exclusive among all graders on the machine, needs no file, and
//! ends when the grader exits, however it exits.

use super::reap::sweep_uid;
use super::SandboxError;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

/// First uid of the range (`0x67720000`, "gr"): far above the ids distributions
/// hand out to users, services and subordinate ranges.
pub const FIRST_UID: u32 = 0x6772_0000;
/// How many uids the range holds.
pub const UID_COUNT: u32 = 4096;

/// A uid claimed for one submission's runner; released (and swept clean) on drop.
#[derive(Debug)]
pub struct UidSlot {
    uid: u32,
    _claim: UnixListener,
}

impl UidSlot {
    /// Claims a free uid of the range, after killing anything left over under
    /// it by a grader that died.
    pub fn claim() -> Result<UidSlot, SandboxError> {
        // Start at a different place in each process so graders rarely collide.
        let start = std::process::id().wrapping_mul(2_654_435_761) % UID_COUNT;
        for i in 0..UID_COUNT {
            let uid = FIRST_UID + (start + i) % UID_COUNT;
            let Ok(addr) = SocketAddr::from_abstract_name(format!("gradwork-sandbox-uid-{uid}")) else { continue };
            let Ok(listener) = UnixListener::bind_addr(&addr) else { continue };
            if sweep_uid(uid) == 0 {
                super::watchdog::watch_user(uid);
                return Ok(UidSlot { uid, _claim: listener });
            }
        }
        Err(SandboxError::NoFreeUid { first: FIRST_UID, last: FIRST_UID + UID_COUNT - 1, count: UID_COUNT })
    }

    /// The uid (also used as the gid).
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// Whether `uid` belongs to the sandbox range.
    pub fn in_range(uid: u32) -> bool {
        (FIRST_UID..FIRST_UID + UID_COUNT).contains(&uid)
    }
}

impl Drop for UidSlot {
    fn drop(&mut self) {
        if sweep_uid(self.uid) == 0 {
            super::watchdog::forget_user(self.uid);
        }
    }
}
