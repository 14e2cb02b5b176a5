//! A property test of the whole macro: whatever the spec, the queries and
//! the migrations, `generate` answers with code or with diagnostics; it
//! never panics and never hangs.
//!
//! Each case starts from a seed, the shop (`api.yaml`, `app/queries/`,
//! `migrations/`, read when the test runs), the small spec of the
//! diagnostics tests or an expansion fixture, and applies one to seven
//! mutations (see [`mutate`]): byte flips, deleted, copied, swapped and
//! re-indented lines, words replaced by others of the same inputs or by
//! edge values, truncation, deep nesting, YAML blocks deleted, duplicated
//! or swapped, `-- name:` lines dropped, cardinalities changed, annotations
//! added, queries moved between files, statements deleted from or appended
//! to migrations, names changed in one file or consistently in all, files
//! renamed, emptied or dropped. Cases of the shop usually keep one to three
//! of its endpoints, with the schemas and queries they reach: as deep as the
//! whole shop, and several times cheaper. Two in five are called from a
//! copy of the app's `src/lib.rs`, with its `orders.rs`, so that handlers
//! are checked too (and now and then mutated).
//!
//! The summary (`--nocapture`) gives, per seed, how many cases ended in
//! code and how many in diagnostics, and of those how many stopped at the
//! YAML, at a failing migration or in the later checks. 10,000 cases take
//! about 30 s on two cores in a debug build: each worker writes only the
//! files that changed since its last case, and reuses the schemas it built
//! for the same migrations ([`Schemas`]).
//!
//! A case is a function of the seed and its number alone, so a run is
//! reproducible and a failing case can be replayed by itself:
//!
//! ```text
//! cargo test -p keel-macros --lib fuzz -- --nocapture
//! KEEL_FUZZ_SEED=0x1234 KEEL_FUZZ_CASES=50000 cargo test -p keel-macros --lib fuzz
//! KEEL_FUZZ_SEED=0x1234 KEEL_FUZZ_CASE=817 cargo test -p keel-macros --lib fuzz
//! ```
//!
//! (`KEEL_FUZZ_THREADS` sets the number of workers, by default the number of
//! cores, at most four.) A panic or a case that runs longer than
//! [`CASE_LIMIT`] fails the test with the seed, the case's number, its
//! mutations and its inputs, which are also written to a directory under
//! the system's temporary directory (the message gives the path), laid
//! out as a crate `keel::api!` can be pointed at. A stack overflow aborts the
//! process and cannot be reported; the inputs of the cases in flight are
//! then in `$TMPDIR/keel-fuzz-<pid>/worker-<n>/` (with `case.txt` naming the
//! seed and case).

mod corpus;
mod mutate;
mod vocabulary;

use std::collections::HashMap;
use std::io;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::sql::analyze::Schemas;
use corpus::{Case, Seed};
use vocabulary::Rng;

/// The seed of a run unless `KEEL_FUZZ_SEED` says otherwise.
const DEFAULT_SEED: u64 = 0x6b65_656c_0000_0001;

/// Cases per run unless `KEEL_FUZZ_CASES` says otherwise.
const DEFAULT_CASES: u64 = 10_000;

/// How long one case may take before it counts as a hang: a whole shop
/// takes about 50 ms in a debug build, so this leaves room for a busy
/// machine, and for the macro's own limit on migrations (10 s) to answer
/// first.
const CASE_LIMIT: Duration = Duration::from_secs(20);

/// The stack a worker gets: what rustc gives the thread that expands
/// macros.
const STACK: usize = 8 << 20;

#[test]
fn the_macro_never_panics_nor_hangs() {
    let seed = env_u64("KEEL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let (first, count) = match env_u64("KEEL_FUZZ_CASE") {
        Some(case) => (case, 1),
        None => (0, env_u64("KEEL_FUZZ_CASES").unwrap_or(DEFAULT_CASES)),
    };
    let threads = env_u64("KEEL_FUZZ_THREADS").map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        |n| n.max(1) as usize,
    );
    let seeds = Arc::new(corpus::seeds());
    let scratch = std::env::temp_dir().join(format!("keel-fuzz-{}", std::process::id()));
    eprintln!(
        "keel fuzz: seed {seed:#x}, cases {first}..{}, {threads} worker(s), inputs in flight under {}",
        first + count,
        scratch.display()
    );

    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(first));
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<Report>();
    let mut slots = Vec::new();
    for w in 0..threads {
        let slot: Arc<Mutex<Option<(u64, Instant)>>> = Arc::new(Mutex::new(None));
        slots.push(Arc::clone(&slot));
        let worker = Worker {
            seeds: Arc::clone(&seeds),
            seed,
            end: first + count,
            next: Arc::clone(&next),
            stop: Arc::clone(&stop),
            slot,
            dir: scratch.join(format!("worker-{w}")),
            tx: tx.clone(),
        };
        std::thread::Builder::new()
            .name(format!("keel-fuzz-{w}"))
            .stack_size(STACK)
            .spawn(move || worker.run())
            .expect("spawn a worker");
    }
    drop(tx);

    let mut tally = Tally::new(seeds.len());
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Report::Done(from, outcome, took)) => tally.add(from, outcome, took),
            Ok(Report::Failed(n, why)) => {
                stop.store(true, Ordering::SeqCst);
                fail(&seeds, seed, n, &why);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        for slot in &slots {
            let running = *slot.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((n, since)) = running.filter(|(_, t)| t.elapsed() > CASE_LIMIT) {
                stop.store(true, Ordering::SeqCst);
                let why = format!("it still runs after {:.1} s", since.elapsed().as_secs_f64());
                fail(&seeds, seed, n, &why);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "keel fuzz: seed {seed:#x}: {} cases in {:.1} s\n{}",
        tally.total(),
        started.elapsed().as_secs_f64(),
        tally.render(&seeds)
    );
    assert_eq!(tally.total(), count, "every case ran");
}

/// Reads a number from the environment, in decimal or `0x` hexadecimal.
fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim().replace('_', "");
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={value}: {e}")))
}

/// Case `n` of the run seeded `seed`, and the index of its seed.
fn build(seeds: &[Seed], seed: u64, n: u64) -> (usize, Case) {
    let mut rng = Rng::for_case(seed, n);
    // The shop, a few endpoints at a time, most of the time; the smaller
    // inputs the rest, and the whole shop now and then (it costs as much
    // as four slices).
    let from = match rng.below(100) {
        0..=49 => 0,
        50..=69 => 1,
        70..=98 => 2 + rng.below(3),
        _ => 5,
    }
    .min(seeds.len() - 1);
    let mut case = corpus::slice(&seeds[from], &mut rng);
    // Parsing the handlers' Rust takes a good part of a case; two cases in
    // five are enough to check handlers.
    if !rng.chance(40) {
        case.rust.clear();
    }
    let mutations = match rng.below(20) {
        0..=8 => 1,
        9..=14 => 2,
        15..=17 => 3,
        _ => 4 + rng.below(4),
    };
    for _ in 0..mutations {
        mutate::mutate(&mut case, &seeds[from].words, &mut rng);
    }
    (from, case)
}

/// Writes `case` under `dir` as a crate: `api.yaml`, `queries/`,
/// `migrations/`, `src/` and a `Cargo.toml` that makes `dir` the root that
/// messages show paths from. `on_disk` holds what is there already (what
/// the last call wrote): only the files that differ are written, and those
/// the case lacks removed.
fn write(dir: &Path, case: &Case, on_disk: &mut HashMap<PathBuf, String>) -> io::Result<()> {
    let mut wanted: HashMap<PathBuf, &str> = HashMap::new();
    wanted.insert("Cargo.toml".into(), "[workspace]\n");
    wanted.insert("api.yaml".into(), &case.spec);
    for (sub, files) in files(case) {
        for (name, text) in files {
            wanted.insert(Path::new(sub).join(name), text);
        }
    }
    let mut gone = Vec::new();
    on_disk.retain(|path, _| {
        let keep = wanted.contains_key(path);
        if !keep {
            gone.push(dir.join(path));
        }
        keep
    });
    for path in gone {
        std::fs::remove_file(path)?;
    }
    for (path, text) in wanted {
        if on_disk.get(&path).is_some_and(|t| t == text) {
            continue;
        }
        let full = dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, text)?;
        on_disk.insert(path, text.to_owned());
    }
    Ok(())
}

/// The files of `case` by directory.
fn files(case: &Case) -> [(&'static str, &Vec<(String, String)>); 3] {
    [
        ("queries", &case.queries),
        ("migrations", &case.migrations),
        ("src", &case.rust),
    ]
}

/// Runs the macro on `case`, written to `dir`: called from `src/lib.rs`
/// (whose handlers are then checked) when the case has Rust.
fn generate(
    dir: &Path,
    case: &Case,
    schemas: &mut Schemas,
) -> Result<proc_macro2::TokenStream, Vec<String>> {
    let call_file = dir.join("src/lib.rs");
    let call_at = case.rust.first().and_then(|(_, text)| {
        let line = text.lines().position(|l| l.starts_with("keel::api!"))?;
        Some((line + 1, 1))
    });
    let files = crate::driver::Files {
        base: dir,
        spec: "api.yaml",
        queries: "queries",
        migrations: "migrations",
        contract: None,
        call_file: (!case.rust.is_empty()).then_some(call_file.as_path()),
        call_at,
    };
    crate::driver::generate_with(&files, schemas)
}

enum Report {
    /// A case of seed `.0` ended so, in that time.
    Done(usize, Outcome, Duration),
    Failed(u64, String),
}

/// How a case ended: code, or diagnostics from the stage that stopped it.
#[derive(Clone, Copy)]
enum Outcome {
    Code,
    /// The spec is not YAML.
    Yaml,
    /// A migration fails.
    Migration,
    /// Later checks: SQL against the schema, the spec against the SQL.
    Checks,
}

fn classify(result: &Result<proc_macro2::TokenStream, Vec<String>>) -> Outcome {
    match result {
        Ok(_) => Outcome::Code,
        Err(messages) if messages.iter().any(|m| m.contains("invalid YAML")) => Outcome::Yaml,
        Err(messages) if messages.iter().any(|m| m.contains(" fails: ")) => Outcome::Migration,
        Err(_) => Outcome::Checks,
    }
}

struct Worker {
    seeds: Arc<Vec<Seed>>,
    seed: u64,
    end: u64,
    next: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<(u64, Instant)>>>,
    dir: PathBuf,
    tx: mpsc::Sender<Report>,
}

impl Worker {
    fn run(self) {
        let mut on_disk = HashMap::new();
        // Built schemas, reused while a case's migrations are those of an
        // earlier case.
        let mut schemas = Schemas::default();
        while !self.stop.load(Ordering::SeqCst) {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            if n >= self.end {
                return;
            }
            let (from, case) = build(&self.seeds, self.seed, n);
            let written = write(&self.dir, &case, &mut on_disk).and_then(|()| {
                let note = format!(
                    "KEEL_FUZZ_SEED={:#x} KEEL_FUZZ_CASE={n}\n{}\n",
                    self.seed,
                    case.log.join("\n")
                );
                std::fs::write(self.dir.join("case.txt"), note)
            });
            if let Err(err) = written {
                let _ = self
                    .tx
                    .send(Report::Failed(n, format!("cannot write it: {err}")));
                return;
            }
            let started = Instant::now();
            *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some((n, started));
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                classify(&generate(&self.dir, &case, &mut schemas))
            }));
            if result.is_err() {
                // What a panic left behind is not to be trusted.
                schemas = Schemas::default();
            }
            *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
            let report = match result {
                Ok(outcome) => Report::Done(from, outcome, started.elapsed()),
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic without a message".to_owned());
                    Report::Failed(n, format!("it panicked: {message}"))
                }
            };
            if self.tx.send(report).is_err() {
                return;
            }
        }
    }
}

/// Writes failing case `n` to a directory and fails the test with
/// everything needed to replay it.
fn fail(seeds: &[Seed], seed: u64, n: u64, why: &str) -> ! {
    let (from, case) = build(seeds, seed, n);
    let dir = std::env::temp_dir().join(format!("keel-fuzz-{seed:#x}-case-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let saved = write(&dir, &case, &mut HashMap::new()).map_or_else(
        |e| format!("(could not write them to {}: {e})", dir.display()),
        |()| format!("written to {}", dir.display()),
    );
    let mut inputs = format!("--- api.yaml\n{}\n", case.spec);
    for (sub, files) in files(&case) {
        for (name, text) in files {
            // The handlers' Rust, long and rarely mutated, only if it was.
            if sub == "src" && seeds[from].case.rust.iter().any(|(_, t)| t == text) {
                inputs.push_str(&format!("--- {sub}/{name} (as in the seed)\n"));
                continue;
            }
            inputs.push_str(&format!("--- {sub}/{name}\n{text}\n"));
        }
    }
    panic!(
        "the macro fails case {n} of seed {seed:#x}: {why}\n\
         replay it with KEEL_FUZZ_SEED={seed:#x} KEEL_FUZZ_CASE={n} cargo test -p keel-macros --lib fuzz\n\
         seed: {}\nmutations:\n  {}\ninputs ({saved}):\n{inputs}",
        seeds[from].name,
        case.log.join("\n  "),
    );
}

/// Outcomes per seed, and the time their cases took.
struct Tally {
    counts: Vec<[u64; 4]>,
    time: Vec<Duration>,
}

impl Tally {
    fn new(seeds: usize) -> Self {
        Tally {
            counts: vec![[0; 4]; seeds],
            time: vec![Duration::ZERO; seeds],
        }
    }

    fn add(&mut self, from: usize, outcome: Outcome, took: Duration) {
        self.counts[from][outcome as usize] += 1;
        self.time[from] += took;
    }

    fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn render(&self, seeds: &[Seed]) -> String {
        let line = |name: &str, c: [u64; 4], time: Duration| {
            let total: u64 = c.iter().sum();
            let pct = |x: u64| 100.0 * x as f64 / total.max(1) as f64;
            format!(
                "  {name}: {total} cases, {:.1} ms each: {} code ({:.0}%), {} diagnostics ({:.0}%: {} invalid YAML, {} failing migration, {} later checks)",
                time.as_secs_f64() * 1e3 / total.max(1) as f64,
                c[0],
                pct(c[0]),
                c[1] + c[2] + c[3],
                pct(c[1] + c[2] + c[3]),
                c[1],
                c[2],
                c[3]
            )
        };
        let mut all = [0; 4];
        let mut out = Vec::new();
        for ((seed, c), time) in seeds.iter().zip(&self.counts).zip(&self.time) {
            (0..4).for_each(|i| all[i] += c[i]);
            out.push(line(&seed.name, *c, *time));
        }
        out.insert(0, line("all", all, self.time.iter().sum()));
        out.join("\n")
    }
}
