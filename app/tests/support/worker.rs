//! Starting the Worker under `wrangler dev` on a fresh local D1, and
//! running its cron triggers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Server, Target, agent, app_dir, free_port};

impl Server {
    /// Starts the Worker under `wrangler dev` with a new local D1, migrated
    /// and seeded with wrangler itself.
    pub(crate) fn worker() -> Server {
        let wrangler = app_dir().join("../node_modules/.bin/wrangler");
        assert!(
            wrangler.exists(),
            "{} is missing: run `npm ci` at the workspace root (scripts/test.sh does)",
            wrangler.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("state");
        let run = |args: &[&str]| {
            let out = Command::new(&wrangler)
                .args(args)
                .arg("--persist-to")
                .arg(&state)
                .current_dir(app_dir())
                .env("WRANGLER_SEND_METRICS", "false")
                .env("CI", "true")
                .output()
                .expect("cannot run wrangler");
            assert!(
                out.status.success(),
                "wrangler {args:?} failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&["d1", "migrations", "apply", "DB", "--local"]);
        run(&["d1", "execute", "DB", "--local", "--file", "seed/dev.sql"]);

        let port = free_port();
        let log = std::fs::File::create(dir.path().join("wrangler.log")).expect("log file");
        let child = Command::new(&wrangler)
            .args([
                "dev",
                "--local",
                "--ip",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--log-level",
                "warn",
                // `/__scheduled?cron=...` runs the `scheduled` event.
                "--test-scheduled",
            ])
            .arg("--persist-to")
            .arg(&state)
            .current_dir(app_dir())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("cannot start wrangler dev");
        let database = find_d1_file(&state);
        let mut server = Server {
            target: Target::Worker,
            base: format!("http://127.0.0.1:{port}"),
            database,
            child,
            agent: agent(),
            exchanges: Mutex::default(),
            _dir: dir,
        };
        server.wait_until_up(Duration::from_secs(300));
        server
    }

    fn wait_until_up(&mut self, limit: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the server exited with {status} before answering; see its log:\n{}",
                    self.log()
                );
            }
            if let Ok(reply) = self.try_send("GET", "/healthz", &[], None)
                && reply.status == 200
            {
                return;
            }
            if started.elapsed() > limit {
                panic!(
                    "the server did not answer /healthz within {limit:?}; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("wrangler.log")).unwrap_or_default()
    }

    /// Runs the jobs of the cron trigger `cron`: on the Worker now, through
    /// wrangler's `/__scheduled` (not the API's, so not recorded for the
    /// conformance check); natively, the suite's server runs
    /// `cancel_stale_orders` every second (see `native_server_passes_the_suite`),
    /// so the caller waits for its effect.
    pub(crate) fn run_scheduled(&self, cron: &str) {
        if self.target == Target::Worker {
            let url = self.url(&format!("/__scheduled?cron={}", cron.replace(' ', "+")));
            let mut reply = self
                .agent
                .get(&url)
                .call()
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let body = reply.body_mut().read_to_string().unwrap_or_default();
            assert_eq!(reply.status().as_u16(), 200, "{body}");
        }
    }
}

fn find_d1_file(state: &Path) -> PathBuf {
    let dir = state.join("v3/d1/miniflare-D1DatabaseObject");
    let found = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no local D1 state in {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "sqlite")
                && p.file_name().is_some_and(|n| n != "metadata.sqlite")
        });
    found.unwrap_or_else(|| panic!("no D1 database file in {}", dir.display()))
}
