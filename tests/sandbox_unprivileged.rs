//! The sandbox as a grader that is not root gets it: mount and network
//! namespaces made inside a user namespace (`NamespaceMode::UserNamespace`),
//! no separate runner users, and the limits that need one left out.
//!
//! An instructor grading on a laptop runs this path; CI machines run as root.
//! So, as root, the test runs itself again in a child process that gives up
//! root first (user `nobody`, uid 65534) and checks the sandbox from there:
//! a fresh process, so that the capabilities are probed as that user. (The
//! child drops root only after it has started, because libtorch, which every
//! test binary links, may sit in a folder only root can read.)

use gradwork::sandbox::{capabilities, MountPlan, NamespaceMode, Policy, Rlimit};
use std::process::{Command, Stdio};

/// Set in the child that runs the checks as an unprivileged user.
const CHILD: &str = "GRADWORK_TEST_UNPRIVILEGED_CHILD";
/// The user the child becomes.
const NOBODY: u32 = 65534;
/// What the child prints once every check has run.
const DONE: &str = "unprivileged sandbox checked as uid";

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

#[test]
fn an_unprivileged_grader_hides_files_and_cuts_the_network_in_a_user_namespace() {
    if std::env::var_os(CHILD).is_some() || euid() != 0 {
        return check_as_unprivileged_user();
    }
    let me = std::env::current_exe().expect("the test binary");
    let out = Command::new(me)
        .args(["--exact", "an_unprivileged_grader_hides_files_and_cuts_the_network_in_a_user_namespace", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("TMPDIR", "/tmp")
        .stdin(Stdio::null())
        .output()
        .expect("the test binary runs again");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the unprivileged child failed:\n{text}");
    assert!(
        text.contains(DONE) || text.contains("skipped"),
        "the unprivileged child neither ran its checks nor said why it skipped them:\n{text}"
    );
    eprintln!("{}", text.lines().filter(|l| l.contains(DONE) || l.contains("skipped")).collect::<Vec<_>>().join("\n"));
}

/// Becomes `nobody` if root, then checks the sandbox as that user.
fn check_as_unprivileged_user() {
    if euid() == 0 {
        // SAFETY: plain system calls; groups first, then the group, then the user.
        unsafe {
            assert_eq!(libc::setgroups(0, std::ptr::null()), 0, "setgroups");
            assert_eq!(libc::setgid(NOBODY), 0, "setgid");
            assert_eq!(libc::setuid(NOBODY), 0, "setuid");
            // Changing credentials made the process undumpable, which would make its
            // /proc/self files root's and the user-namespace maps unwritable; a grader
            // started as an ordinary user is dumpable.
            assert_eq!(libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0), 0, "prctl");
        }
    }
    let uid = euid();
    assert_ne!(uid, 0, "the checks must run without root");
    let caps = capabilities();

    // Only root can give a runner a user of its own; the report says so.
    let users = caps.users.as_ref().expect_err("no separate users without root");
    assert!(users.contains(&format!("runs as uid {uid}")) && users.contains("only root"), "{users}");
    assert!(caps.describe(64).contains("no process-count limit"), "{}", caps.describe(64));

    let mode = match &caps.filesystem {
        Ok(mode) => *mode,
        Err(why) => {
            // A kernel without unprivileged user namespaces: the reason is named.
            assert!(why.contains("in a user namespace"), "{why}");
            println!("skipped: this kernel gives no user namespace to uid {uid}: {why}");
            return;
        }
    };
    assert_eq!(mode, NamespaceMode::UserNamespace);

    // A hidden folder is empty, a kept path inside it stays, the real files are untouched.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().canonicalize().expect("canonical");
    let course = root.join("course");
    std::fs::create_dir_all(course.join("reference")).expect("mkdir");
    std::fs::write(course.join("reference/lib.rs"), "the solution").expect("write");
    std::fs::create_dir_all(course.join("src")).expect("mkdir");
    std::fs::write(course.join("src/lib.rs"), "the harness").expect("write");
    let limits = vec![Rlimit::new(libc::RLIMIT_AS as _, 2 << 30), Rlimit::new(libc::RLIMIT_NPROC as _, 16)];
    let policy = Policy {
        mounts: MountPlan::new().hide(&course).keep(course.join("src")),
        isolate_network: true,
        rlimits: limits,
        ..Policy::default()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("address").port();
    let script = format!(
        "test ! -e {c}/reference || echo 'reference visible'; \
         test \"$(cat {c}/src/lib.rs)\" = 'the harness' || echo 'kept file missing'; \
         echo \"devices: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')\"; \
         grep 'Max address space' /proc/self/limits | tr -s ' ' | cut -d' ' -f4; \
         command -v bash >/dev/null && bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' 2>/dev/null && echo connected; \
         echo end",
        c = course.display()
    );
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", &script]).stdin(Stdio::null());
    policy.apply(&mut cmd, caps).expect("the policy applies without root");
    let out = cmd.output().expect("sh runs in the sandbox");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, ["devices: lo ", &(2u64 << 30).to_string(), "end"], "inside the sandbox:\n{text}");
    assert!(listener.accept().is_err(), "the listener on 127.0.0.1 got a connection");
    assert!(course.join("reference/lib.rs").is_file(), "hiding changed the real folder");
    println!("{DONE} {uid}");
}
