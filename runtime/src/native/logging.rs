//! The server's log. Events are formatted on the thread that logs them and
//! appended to a shared buffer; a thread of its own writes the buffer to
//! stderr, a few milliseconds after the first line of a batch arrives. A
//! request's log line costs its formatting and a short copy, not a system
//! call per line, nor a wake-up per line. Nothing is dropped: past a bound,
//! the thread that logs writes the batch itself; and the [`LogGuard`]
//! writes what is left when the server stops.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use super::options::LogFormat;

/// How long a batch gathers lines after its first before it is written.
const GATHER: Duration = Duration::from_millis(10);
/// Past this many bytes waiting, the thread that logs writes them itself.
const MAX_PENDING: usize = 4 << 20;

/// Installs the global `tracing` subscriber: `filter` in `tracing` syntax
/// (an invalid one falls back to `info`, with a warning), `format` text or
/// JSON lines, on stderr.
pub(super) fn init(filter: &str, format: LogFormat) -> LogGuard {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|err| {
        eprintln!("warning: invalid log filter {filter:?} ({err}); using \"info\"");
        tracing_subscriber::EnvFilter::new("info")
    });
    let (lines, guard) = spawn(io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(lines);
    // A second initialisation (in tests) is harmless; ignore it.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    guard
}

/// Starts the thread that writes lines to `out`.
fn spawn<W: Write + Send + 'static>(out: W) -> (Lines, LogGuard) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Pending::default()),
        arrived: Condvar::new(),
        out: Mutex::new(Box::new(out)),
    });
    let writer = Arc::clone(&shared);
    let spawned = thread::Builder::new()
        .name("keel-log".into())
        .spawn(move || writer.run());
    if let Err(err) = spawned {
        // Without the thread, each line is written by the thread that logs.
        eprintln!("warning: cannot start the log writer ({err}); logging directly");
        shared.lock_pending().direct = true;
    }
    (
        Lines {
            shared: Arc::clone(&shared),
        },
        LogGuard { shared },
    )
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Set when the guard is gone: the writer thread ends.
    stopped: bool,
    /// No writer thread (any more): write at once.
    direct: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when a line arrives in an empty buffer.
    arrived: Condvar,
    /// Held while a batch is taken and written, so batches stay in order.
    out: Mutex<Box<dyn Write + Send>>,
}

impl Shared {
    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while appending leaves whole lines or none: go on.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, line: &[u8]) {
        let mut pending = self.lock_pending();
        let was_empty = pending.bytes.is_empty();
        pending.bytes.extend_from_slice(line);
        let (full, direct) = (pending.bytes.len() >= MAX_PENDING, pending.direct);
        drop(pending);
        if full || direct {
            self.write_batch();
        } else if was_empty {
            self.arrived.notify_one();
        }
    }

    /// Takes what is waiting and writes it.
    fn write_batch(&self) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let batch = std::mem::take(&mut self.lock_pending().bytes);
        if !batch.is_empty() {
            // Nowhere else to report a failing stderr.
            let _ = out.write_all(&batch);
            let _ = out.flush();
        }
    }

    /// The writer thread: sleeps until a line arrives, lets the batch
    /// gather, writes it.
    fn run(&self) {
        loop {
            let mut pending = self.lock_pending();
            while pending.bytes.is_empty() && !pending.stopped {
                pending = self
                    .arrived
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            let stopped = pending.stopped;
            drop(pending);
            if stopped {
                self.write_batch();
                return;
            }
            thread::sleep(GATHER);
            self.write_batch();
        }
    }
}

/// Appends each formatted event to the batch (`MakeWriter`).
#[derive(Clone)]
pub(super) struct Lines {
    shared: Arc<Shared>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
        }
    }
}

/// One event's writer. The formatter writes a whole line at once.
pub(super) struct LineWriter<'a> {
    shared: &'a Shared,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the log when dropped (or on [`LogGuard::flush`]): keep it for as
/// long as the server runs, and flush it before writing to stderr directly.
#[must_use = "the log is written out when the guard is dropped"]
pub(super) struct LogGuard {
    shared: Arc<Shared>,
}

impl LogGuard {
    /// Writes every line logged so far.
    pub(super) fn flush(&self) {
        self.shared.write_batch();
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        {
            // Whatever is logged from now on is written at once.
            let mut pending = self.shared.lock_pending();
            pending.stopped = true;
            pending.direct = true;
        }
        self.shared.arrived.notify_one();
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_flushes() {
        let out = Shared::default();
        let (lines, guard) = spawn(out.clone());
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let lines = lines.clone();
                thread::spawn(move || {
                    for i in 0..5_000 {
                        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&lines);
                        w.write_all(format!("{t} {i}\n").as_bytes()).expect("write");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        guard.flush();
        let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
        let mut last = [-1i64; 4];
        let mut count = 0;
        for line in text.lines() {
            let (t, i) = line.split_once(' ').expect("a line");
            let (t, i): (usize, i64) = (t.parse().expect("thread"), i.parse().expect("index"));
            assert_eq!(i, last[t] + 1, "thread {t}'s lines in order, none lost");
            last[t] = i;
            count += 1;
        }
        assert_eq!(count, 20_000);
    }
}
