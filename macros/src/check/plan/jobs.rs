//! Scheduled jobs.

/// A checked job.
#[derive(Debug, Clone)]
pub struct JobPlan {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// Its cron schedule, fields separated by one space.
    pub schedule: String,
    /// Its statements, in batch order.
    pub statements: Vec<JobStatement>,
    /// Its settings, by index.
    pub settings: Vec<SettingPlan>,
}

/// One query of a job: its index, and the setting bound to each `?N`.
#[derive(Debug, Clone)]
pub struct JobStatement {
    /// Index into the plan's queries.
    pub query: usize,
    /// Setting index for each parameter, in `?N` order.
    pub args: Vec<usize>,
}

/// A job's setting: the variable it is read from and its default.
#[derive(Debug, Clone)]
pub struct SettingPlan {
    /// The variable.
    pub variable: String,
    /// The default, which gives the type.
    pub default: crate::spec::SettingValue,
}
