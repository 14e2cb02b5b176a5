//! `jobs:` diagnostics: schedules, queries, settings and the Workers cron
//! triggers.

use super::{MIGRATION, QUERIES, SPEC, messages, one_error, run};

const JOB_QUERY: &str = "
-- name: prune_items :exec
DELETE FROM items WHERE id < :min_id AND name <> :keep;
";

fn with_job(job: &str) -> String {
    format!("{SPEC}jobs:\n{job}")
}

const GOOD_JOB: &str = "  prune:
    schedule: \"*/5 * * * *\"
    queries: [items.prune_items]
    settings:
      min_id: { variable: PRUNE_BELOW, default: 10 }
      keep: { variable: PRUNE_KEEP, default: pinned }
";

fn queries() -> String {
    format!("{QUERIES}{JOB_QUERY}")
}

#[test]
fn a_job_generates() {
    assert_eq!(
        run(&with_job(GOOD_JOB), &queries(), MIGRATION),
        Vec::<String>::new()
    );
}

#[test]
fn a_query_only_a_job_runs_is_used() {
    // Without the job, the query would be reported unused.
    let errors = run(SPEC, &queries(), MIGRATION);
    assert!(
        errors[0].contains("is not used by any endpoint"),
        "{errors:?}"
    );
}

#[test]
fn job_mistakes_are_reported_where_they_are() {
    let cases = [
        (
            GOOD_JOB.replace("*/5 * * * *", "*/5 * * * * *"),
            "api.yaml:30:15: job `prune`: schedule `*/5 * * * * *` has 6 fields; a schedule has five: minute, hour, day of month, month, day of week\n  help: write it as Workers' cron triggers read it, in UTC: `*/5 * * * *` runs every five minutes",
        ),
        (
            GOOD_JOB.replace("*/5 * * * *", "61 * * * *"),
            "api.yaml:30:15: job `prune`: schedule `61 * * * *` ",
        ),
        (
            GOOD_JOB.replace(
                "      keep: { variable: PRUNE_KEEP, default: pinned }\n",
                "",
            ),
            "queries/items.sql:8:50: `:keep` of query `items.prune_items` is bound to nothing: job `prune` has no setting `keep`",
        ),
        (
            GOOD_JOB.replace("default: pinned", "default: 3"),
            "api.yaml:34:46: setting `keep` of job `prune` is an integer but `:keep` meets the TEXT column items.name",
        ),
        (
            format!("{GOOD_JOB}      extra: {{ variable: EXTRA, default: 1 }}\n"),
            "api.yaml:35:7: setting `extra` of job `prune` is bound by none of its queries",
        ),
        (
            GOOD_JOB.replace("variable: PRUNE_BELOW", "variable: prune_below"),
            "api.yaml:33:27: setting `min_id` of job `prune`: variable `prune_below` must be UPPER_SNAKE_CASE",
        ),
        (
            GOOD_JOB.replace("[items.prune_items]", "[items.prune_itmes]"),
            "api.yaml:31:15: unknown query `items.prune_itmes`",
        ),
    ];
    for (job, expected) in cases {
        let error = one_error(&with_job(&job), &queries(), MIGRATION);
        assert!(
            error.starts_with(expected),
            "{error}\n  expected: {expected}"
        );
    }
}

/// Runs the macro with a `wrangler.toml` beside the spec.
fn with_wrangler(spec: &str, wrangler: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in [
        ("api.yaml", spec),
        ("queries/items.sql", &queries()),
        ("migrations/0001_items.sql", MIGRATION),
        ("wrangler.toml", wrangler),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    messages(dir.path())
}

#[test]
fn cron_triggers_must_be_the_jobs_schedules() {
    let spec = with_job(GOOD_JOB);
    assert_eq!(
        with_wrangler(&spec, "[triggers]\ncrons = [\"*/5  * * * *\"]\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        with_wrangler(&spec, "name = \"x\"\n"),
        vec![
            "api.yaml:30:15: job `prune`: its schedule `*/5 * * * *` is not a cron trigger in wrangler.toml, so it never runs on Workers\n  help: add it: `[triggers]` then `crons = [\"*/5 * * * *\"]` (with the others)"
        ]
    );
    assert_eq!(
        with_wrangler(
            &spec,
            "[triggers]\ncrons = [\"*/5 * * * *\", \"0 3 * * *\"]\n"
        ),
        vec![
            "api.yaml:30:15: wrangler.toml has the cron trigger `0 3 * * *`, which no job of the spec runs\n  help: remove it from `[triggers] crons`, or give a job that schedule"
        ]
    );
}
