//! Scheduled jobs: SQL the spec's `jobs:` runs on a cron schedule.
//!
//! On Workers, each schedule is a cron trigger in `wrangler.toml` (the macro
//! checks they match) and the `scheduled` event runs the jobs whose schedule
//! fired ([`crate::worker::scheduled`]). Natively, the server runs a timer
//! per job (see `keel::native`). A job's statements run as one batch; a
//! failure is logged and the job runs again at its next time.

use std::future::Future;

use crate::db::{Database, DbError, MaybeSend, ResultSet, Sql, Statement};
use crate::value::Value;

/// One job, as the generated code describes it.
#[derive(Debug)]
pub struct Job {
    /// Its name in the spec.
    pub name: &'static str,
    /// Its cron schedule: five fields, in UTC.
    pub schedule: &'static str,
    /// What it does.
    pub description: Option<&'static str>,
    /// Its statements, in batch order: the query and, for each `?N`, the
    /// index of the setting bound to it.
    pub statements: &'static [(&'static Sql, &'static [usize])],
    /// Its settings.
    pub settings: &'static [Setting],
}

/// A value a job's queries bind, read from a variable.
#[derive(Debug)]
pub struct Setting {
    /// The variable (environment natively, a var or secret on Workers).
    pub variable: &'static str,
    /// The value when the variable is unset, which also gives the type.
    pub default: SettingDefault,
}

/// A setting's default.
#[derive(Debug, Clone, Copy)]
pub enum SettingDefault {
    /// A whole number; the variable must hold one too.
    Integer(i64),
    /// Text.
    Text(&'static str),
}

/// Why a job did not run.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A setting's variable holds something of the wrong type.
    #[error("variable {variable} is {value:?}, not an integer")]
    Setting {
        /// The variable.
        variable: &'static str,
        /// What it holds.
        value: String,
    },
    /// The database refused or failed.
    #[error("{0}")]
    Database(#[from] DbError),
}

/// What a job did: how many rows each of its statements changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// Rows changed, per statement.
    pub changed: Vec<u64>,
}

impl Job {
    /// The statements of one run, with settings read through `variable`.
    pub fn statements(
        &self,
        variable: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Statement>, JobError> {
        let values = self
            .settings
            .iter()
            .map(|setting| setting.value(variable))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self
            .statements
            .iter()
            .map(|(sql, args)| Statement {
                sql,
                params: args
                    .iter()
                    .map(|&i| values.get(i).cloned().unwrap_or(Value::Null))
                    .collect(),
            })
            .collect())
    }

    /// Runs the job once on `db`.
    pub fn run<'a, D: Database>(
        &'static self,
        db: &'a D,
        variable: &dyn Fn(&str) -> Option<String>,
    ) -> impl Future<Output = Result<Ran, JobError>> + MaybeSend + 'a {
        let statements = self.statements(variable);
        async move {
            let results = db.execute(statements?).await?;
            Ok(Ran {
                changed: results.iter().map(ResultSet::changes).collect(),
            })
        }
    }
}

impl Setting {
    fn value(&self, variable: &dyn Fn(&str) -> Option<String>) -> Result<Value, JobError> {
        let set = variable(self.variable).filter(|v| !v.trim().is_empty());
        Ok(match (self.default, set) {
            (SettingDefault::Integer(n), None) => Value::Integer(n),
            (SettingDefault::Text(t), None) => Value::Text(t.to_owned()),
            (SettingDefault::Integer(_), Some(v)) => {
                Value::Integer(v.trim().parse().map_err(|_| JobError::Setting {
                    variable: self.variable,
                    value: v.clone(),
                })?)
            }
            (SettingDefault::Text(_), Some(v)) => Value::Text(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TOUCH: Sql = Sql {
        name: "t.touch",
        text: "UPDATE t SET n = ?1 WHERE n < ?2",
        columns: &[],
        readonly: false,
        lookup: false,
    };
    static JOB: Job = Job {
        name: "touch",
        schedule: "* * * * *",
        description: None,
        statements: &[(&TOUCH, &[1, 0])],
        settings: &[
            Setting {
                variable: "LIMIT",
                default: SettingDefault::Integer(10),
            },
            Setting {
                variable: "LABEL",
                default: SettingDefault::Text("x"),
            },
        ],
    };

    #[test]
    fn settings_come_from_variables_or_their_defaults() {
        let none = |_: &str| None;
        let statements = JOB.statements(&none).unwrap();
        assert_eq!(
            statements[0].params,
            [Value::Text("x".into()), Value::Integer(10)]
        );
        let set = |name: &str| (name == "LIMIT").then(|| " 3 ".to_owned());
        assert_eq!(
            JOB.statements(&set).unwrap()[0].params[1],
            Value::Integer(3)
        );
        let bad = |name: &str| (name == "LIMIT").then(|| "ten".to_owned());
        assert_eq!(
            JOB.statements(&bad).unwrap_err().to_string(),
            "variable LIMIT is \"ten\", not an integer"
        );
    }
}
