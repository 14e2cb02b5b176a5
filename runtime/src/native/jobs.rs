//! The native timer of the spec's jobs: one task per job, sleeping until
//! its next time (UTC), then running it. A failure (or a panic) is logged
//! and the job runs again at its next time; it never stops the server.
//!
//! Run the timer in one process per database (`--no-jobs` in the others):
//! two runners would run each job twice.

use std::panic::AssertUnwindSafe;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use croner::Cron;
use futures_util::FutureExt;

use super::Variables;
use crate::db::sqlite::SqliteDatabase;
use crate::jobs::Job;

/// A job with the schedule it runs on here.
pub(super) struct Scheduled {
    job: &'static Job,
    cron: Cron,
}

/// Resolves every job's schedule, applying `overrides` (`name=cron`, which
/// may have a seconds field); an unknown job name or a bad schedule is an
/// error.
pub(super) fn schedules(
    jobs: &'static [Job],
    overrides: &[String],
) -> Result<Vec<Scheduled>, String> {
    let mut replaced: Vec<(&str, &str)> = Vec::new();
    for entry in overrides {
        let Some((name, cron)) = entry.split_once('=') else {
            return Err(format!(
                "--job-schedule {entry:?}: write it as NAME=CRON, like `cancel_stale_orders=*/10 * * * * *`"
            ));
        };
        if !jobs.iter().any(|j| j.name == name.trim()) {
            let known: Vec<&str> = jobs.iter().map(|j| j.name).collect();
            return Err(format!(
                "--job-schedule: no job is called {name:?}; the spec's jobs are: {}",
                known.join(", ")
            ));
        }
        replaced.push((name.trim(), cron.trim()));
    }
    jobs.iter()
        .map(|job| {
            let schedule = replaced
                .iter()
                .rev()
                .find(|(name, _)| *name == job.name)
                .map_or(job.schedule, |(_, cron)| *cron);
            Cron::from_str(schedule)
                .map(|cron| Scheduled { job, cron })
                .map_err(|e| format!("job {}: schedule {schedule:?}: {e}", job.name))
        })
        .collect()
}

/// Starts the timers.
pub(super) fn spawn(scheduled: Vec<Scheduled>, db: SqliteDatabase, variables: Variables) {
    let variables = Arc::new(variables);
    for Scheduled { job, cron } in scheduled {
        let db = db.clone();
        let variables = Arc::clone(&variables);
        tokio::spawn(async move {
            tracing::info!(
                "job {} runs on schedule {} (UTC)",
                job.name,
                cron.pattern.to_string()
            );
            loop {
                let now = Utc::now();
                let Ok(next) = cron.find_next_occurrence(&now, false) else {
                    tracing::warn!("job {}: its schedule has no next time; it stops", job.name);
                    return;
                };
                let wait = (next - now).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                run_once(job, &db, &variables).await;
            }
        });
    }
}

/// Runs `job` once, logging what it did or why it failed.
pub(super) async fn run_once(job: &'static Job, db: &SqliteDatabase, variables: &Variables) {
    let started = Instant::now();
    let lookup = |name: &str| variables.get(name);
    let outcome = AssertUnwindSafe(job.run(db, &lookup)).catch_unwind().await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match outcome {
        Ok(Ok(ran)) => tracing::info!(
            target: "keel::job",
            job = job.name,
            changed = ?ran.changed,
            ms,
            "job {} ran",
            job.name
        ),
        Ok(Err(err)) => tracing::error!(
            target: "keel::job",
            job = job.name,
            "job {} failed: {err}; it runs again at its next time",
            job.name
        ),
        Err(_) => tracing::error!(
            target: "keel::job",
            job = job.name,
            "job {} panicked; it runs again at its next time",
            job.name
        ),
    }
}
