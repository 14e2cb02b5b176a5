//! Starting and stopping the native server: the `app` binary on a fresh
//! SQLite file, killed, signalled and restarted as the fault tests need.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use super::{Server, Target, agent, tokens};

impl Server {
    /// Starts `target/.../app` on a new database, on a free port.
    pub(crate) fn native() -> Server {
        Server::native_with(&[])
    }

    /// Starts `target/.../app` on a new database, on a free port, with
    /// further command-line flags.
    pub(crate) fn native_with(flags: &[&str]) -> Server {
        Server::native_with_env(flags, &[])
    }

    /// Starts `target/.../app` on a new database, on a free port, with
    /// further flags and environment variables.
    pub(crate) fn native_with_env(flags: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("shop.sqlite3");
        let (child, base) = spawn_native(&database, flags, env);
        Server {
            target: Target::Native,
            base,
            database,
            child,
            agent: agent(),
            exchanges: Mutex::default(),
            _dir: dir,
        }
    }

    /// Kills the native server with SIGKILL, as a crash or a power cut
    /// would, and starts it again on the same database with `flags`.
    pub(crate) fn crash_and_restart(&mut self, flags: &[&str]) {
        assert_eq!(
            self.target,
            Target::Native,
            "only the native server restarts"
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, base) = spawn_native(&self.database, flags, &[]);
        self.child = child;
        self.base = base;
    }

    /// Sends the signal `name` (`TERM`, `KILL`, ...) to the server.
    pub(crate) fn signal(&self, name: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits for the server to exit; returns whether it exited successfully.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not exit within {limit:?}");
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Runs the app binary on `database` on a free port; returns it and its URL.
fn spawn_native(database: &Path, flags: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_app"))
        .args(["--host", "127.0.0.1", "--port", "0", "--database"])
        .arg(database)
        // The development keys, which `wrangler dev` reads from the same file.
        .arg("--env-file")
        .arg(tokens::dev_vars())
        .args(flags)
        .env("KEEL_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start the app binary");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("http://") {
                let url = line[at..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let _ = tx.send(url);
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the native server did not print its URL");
    (child, base)
}
