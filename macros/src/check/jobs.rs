//! `jobs:`: each job's schedule, queries and settings, checked like an
//! endpoint's.

use croner::parser::{CronParser, Seconds, Year};

use super::Resolved;
use super::plan::{JobPlan, JobStatement, SettingPlan};
use crate::diag::Diagnostics;
use crate::spec::{Job, SettingValue, Spec};
use crate::sql::infer::SqlType;

/// Checks every job and plans it.
pub(super) fn check(spec: &Spec, sql: &Resolved<'_>, d: &mut Diagnostics) -> Vec<JobPlan> {
    let mut seen: Vec<&str> = Vec::new();
    let mut plans = Vec::new();
    for job in &spec.jobs {
        if seen.contains(&job.name.value.as_str()) {
            d.error(
                &job.name.loc,
                format!("job `{}` is declared twice", job.name.value),
            );
        }
        seen.push(&job.name.value);
        if let Some(plan) = check_job(sql, job, d) {
            plans.push(plan);
        }
    }
    plans
}

/// Workers' cron syntax: five fields, minute first, in UTC.
pub fn parse_schedule(schedule: &str) -> Result<croner::Cron, String> {
    let fields = schedule.split_whitespace().count();
    if fields != 5 {
        return Err(format!(
            "has {fields} field{}; a schedule has five: minute, hour, day of month, month, day of week",
            if fields == 1 { "" } else { "s" }
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(schedule)
        .map_err(|e| e.to_string())
}

fn check_job(sql: &Resolved<'_>, job: &Job, d: &mut Diagnostics) -> Option<JobPlan> {
    let errors = d.count();
    let what = format!("job `{}`", job.name.value);
    if let Err(why) = parse_schedule(&job.schedule.value) {
        d.error_help(
            &job.schedule.loc,
            format!("{what}: schedule `{}` {why}", job.schedule.value),
            "write it as Workers' cron triggers read it, in UTC: `*/5 * * * *` runs every five minutes",
        );
    }
    let mut used = vec![false; job.settings.len()];
    let mut statements = Vec::new();
    // A query that could not be read (reported already) may bind any
    // setting; none is then reported unused.
    let mut all_read = true;
    for name in &job.queries {
        let Some(index) = sql.lookup(name, d) else {
            all_read = false;
            continue;
        };
        let query = &sql.queries[index];
        let Some(described) = sql.described(index) else {
            all_read = false;
            continue;
        };
        let mut args = Vec::new();
        for param in &query.params {
            let Some(setting) = job
                .settings
                .iter()
                .position(|s| s.param.value == param.value)
            else {
                d.error_help(
                    &param.loc,
                    format!(
                        "`:{}` of query `{}` is bound to nothing: {what} has no setting `{}`",
                        param.value, query.full_name, param.value
                    ),
                    format!(
                        "add it under the job's `settings:`, like `{}: {{ variable: {}, default: ... }}`",
                        param.value,
                        param.value.to_ascii_uppercase()
                    ),
                );
                continue;
            };
            used[setting] = true;
            let declared = &job.settings[setting];
            for (_, usage) in described.params.iter().filter(|(n, _)| *n == param.value) {
                let fits = matches!(
                    (&declared.default.value, &usage.ty),
                    (_, SqlType::Unknown)
                        | (SettingValue::Integer(_), SqlType::Integer | SqlType::Real)
                        | (SettingValue::Text(_), SqlType::Text)
                );
                if !fits {
                    d.error(
                        &declared.default.loc,
                        format!(
                            "setting `{}` of {what} is {} but `:{}` meets {}",
                            declared.param.value,
                            match declared.default.value {
                                SettingValue::Integer(_) => "an integer",
                                SettingValue::Text(_) => "text",
                            },
                            param.value,
                            usage.against
                        ),
                    );
                }
            }
            args.push(setting);
        }
        statements.push(JobStatement { query: index, args });
    }
    for (setting, used) in job.settings.iter().zip(&used) {
        if !used && all_read {
            d.error_suggest(
                &setting.param.loc,
                format!(
                    "setting `{}` of {what} is bound by none of its queries",
                    setting.param.value
                ),
                &setting.param.value,
                job.queries
                    .iter()
                    .filter_map(|q| sql.index_of(&q.value))
                    .flat_map(|i| sql.queries[i].params.iter().map(|p| p.value.as_str())),
            );
        }
    }
    if job.queries.is_empty() {
        return None;
    }
    (d.count() == errors).then(|| JobPlan {
        name: job.name.value.clone(),
        description: job.description.clone(),
        schedule: job
            .schedule
            .value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        statements,
        settings: job
            .settings
            .iter()
            .map(|s| SettingPlan {
                variable: s.variable.value.clone(),
                default: s.default.value.clone(),
            })
            .collect(),
    })
}

/// The queries jobs run, which count as used.
pub(super) fn used_queries(spec: &Spec) -> impl Iterator<Item = &str> {
    spec.jobs
        .iter()
        .flat_map(|j| j.queries.iter().map(|q| q.value.as_str()))
}

/// Checks the cron triggers of `wrangler.toml` (its text) against the
/// jobs: each job's schedule must be a trigger, and each trigger a job's,
/// or a job would never run at the edge (or a trigger run nothing).
pub fn check_triggers(spec: &Spec, wrangler: &str, file: &str, d: &mut Diagnostics) {
    let crons = triggers(wrangler);
    let normalize = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for job in &spec.jobs {
        let schedule = normalize(&job.schedule.value);
        if !crons.iter().any(|c| normalize(c) == schedule) {
            d.error_help(
                &job.schedule.loc,
                format!(
                    "job `{}`: its schedule `{schedule}` is not a cron trigger in {file}, so it never runs on Workers",
                    job.name.value
                ),
                format!("add it: `[triggers]` then `crons = [\"{schedule}\"]` (with the others)"),
            );
        }
    }
    for cron in &crons {
        let cron = normalize(cron);
        if !spec
            .jobs
            .iter()
            .any(|j| normalize(&j.schedule.value) == cron)
        {
            let at = spec
                .jobs
                .first()
                .map(|j| j.schedule.loc.clone())
                .unwrap_or_else(|| crate::diag::Loc::file_start(&std::rc::Rc::from(file)));
            d.error_help(
                &at,
                format!("{file} has the cron trigger `{cron}`, which no job of the spec runs"),
                "remove it from `[triggers] crons`, or give a job that schedule",
            );
        }
    }
}

/// The strings of `crons = [...]` under `[triggers]`.
fn triggers(wrangler: &str) -> Vec<String> {
    let mut in_triggers = false;
    let mut collecting = false;
    let mut out = Vec::new();
    for line in wrangler.lines() {
        let code = line.split('#').next().unwrap_or("").trim();
        if code.starts_with('[') && !collecting {
            in_triggers = code == "[triggers]";
            continue;
        }
        if !in_triggers {
            continue;
        }
        let rest = if collecting {
            code
        } else if let Some(value) = code
            .strip_prefix("crons")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
        {
            collecting = true;
            value.trim().trim_start_matches('[')
        } else {
            continue;
        };
        let (items, done) = match rest.split_once(']') {
            Some((items, _)) => (items, true),
            None => (rest, false),
        };
        out.extend(
            items
                .split(',')
                .map(|s| s.trim().trim_matches(['"', '\'']).to_owned())
                .filter(|s| !s.is_empty()),
        );
        if done {
            collecting = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_read_from_their_table() {
        let text = "name = \"x\"\ncrons = [\"1 * * * *\"]\n[triggers]\ncrons = [\"*/5 * * * *\", # every five\n  '17 * * * *']\n[vars]\nA = \"1\"\n";
        assert_eq!(triggers(text), ["*/5 * * * *", "17 * * * *"]);
        assert!(triggers("[vars]\n").is_empty());
    }

    #[test]
    fn schedules_are_five_fields() {
        assert!(parse_schedule("*/5 * * * *").is_ok());
        assert!(parse_schedule("0 0 * * MON").is_ok());
        assert!(
            parse_schedule("* * * * * *")
                .unwrap_err()
                .contains("has 6 fields")
        );
        assert!(parse_schedule("61 * * * *").is_err());
    }
}
