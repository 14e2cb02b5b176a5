//! `jobs:`: SQL run on a schedule.

use marked_yaml::Node;

use crate::diag::Diagnostics;
use crate::names;
use crate::spec::model::{Job, JobSetting, SettingValue, Spanned};
use crate::spec::yaml::{self, Map, Src};

const JOB_KEYS: &[&str] = &["description", "schedule", "queries", "settings"];

pub(super) fn parse_jobs(src: &Src, node: &Node, d: &mut Diagnostics) -> Vec<Job> {
    let Some(map) = Map::of(src, node, "`jobs`", d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, value)| {
            let name = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
            parse_job(src, name, value, d)
        })
        .collect()
}

fn parse_job(src: &Src, name: Spanned<String>, node: &Node, d: &mut Diagnostics) -> Option<Job> {
    if let Some(message) = names::unusable(&name.value) {
        d.error(&name.loc, message);
    } else if !names::is_snake_case(&name.value) {
        d.error_help(
            &name.loc,
            format!("job name `{}` must be snake_case", name.value),
            format!("rename it to `{}`", names::to_snake_case(&name.value)),
        );
    }
    let what = format!("job `{}`", name.value);
    let map = Map::of(src, node, &what, d)?;
    map.allow(src, JOB_KEYS, &what, d);
    let schedule = map.req_str(src, "schedule", &what, d)?;
    let queries = match map.get("queries") {
        Some(node) => yaml::string_list(src, node, &format!("`queries` of {what}"), d),
        None => {
            d.error_help(
                &name.loc,
                format!("{what} has no `queries`"),
                "list the annotated queries it runs, like `queries: [orders.cancel_stale_orders]`",
            );
            Vec::new()
        }
    };
    let settings = match map.get("settings") {
        Some(node) => parse_settings(src, node, &what, d),
        None => Vec::new(),
    };
    Some(Job {
        name,
        description: map.opt_str(src, "description", &what, d).map(|s| s.value),
        schedule,
        queries,
        settings,
    })
}

/// `settings: { param: { variable: NAME, default: 30 } }`.
fn parse_settings(src: &Src, node: &Node, what: &str, d: &mut Diagnostics) -> Vec<JobSetting> {
    let swhat = format!("`settings` of {what}");
    let Some(map) = Map::of(src, node, &swhat, d) else {
        return Vec::new();
    };
    map.entries()
        .filter_map(|(key, value)| {
            let param = Spanned::new(key.as_str().to_owned(), src.loc(key.span()));
            let pwhat = format!("setting `{}` of {what}", param.value);
            let entry = Map::of(src, value, &pwhat, d)?;
            entry.allow(src, &["variable", "default", "type"], &pwhat, d);
            let variable = entry.req_str(src, "variable", &pwhat, d)?;
            if variable.value.is_empty()
                || !variable
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                d.error_help(
                    &variable.loc,
                    format!(
                        "{pwhat}: variable `{}` must be UPPER_SNAKE_CASE",
                        variable.value
                    ),
                    "name it like `PENDING_ORDER_MAX_AGE_MINUTES`",
                );
            }
            let declared = entry.opt_str(src, "type", &pwhat, d);
            let Some(default_node) = entry.get("default") else {
                d.error_help(
                    &variable.loc,
                    format!("{pwhat} has no `default`"),
                    "give the value the job uses when the variable is unset",
                );
                return None;
            };
            let text = yaml::string(src, default_node, &format!("`default` of {pwhat}"), d)?;
            let default = match declared.as_ref().map(|t| t.value.as_str()) {
                Some("string") => SettingValue::Text(text.value.clone()),
                Some("integer") | None => match text.value.parse::<i64>() {
                    Ok(n) => SettingValue::Integer(n),
                    Err(_) if declared.is_none() => SettingValue::Text(text.value.clone()),
                    Err(_) => {
                        d.error(&text.loc, format!("{pwhat}: `default` must be an integer"));
                        return None;
                    }
                },
                Some(other) => {
                    if let Some(t) = &declared {
                        d.error_help(
                            &t.loc,
                            format!("{pwhat}: unknown type `{other}`"),
                            "a setting is an `integer` or a `string`",
                        );
                    }
                    return None;
                }
            };
            Some(JobSetting {
                param,
                variable,
                default: Spanned::new(default, text.loc),
            })
        })
        .collect()
}
