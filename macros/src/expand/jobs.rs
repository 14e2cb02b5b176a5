//! The `JOBS` of the generated `Service`: each job's queries and settings.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use super::queries::static_name;
use crate::check::plan::{JobPlan, Plan};
use crate::spec::SettingValue;

/// `&[::keel::jobs::Job { ... }, ...]`.
pub(super) fn jobs(plan: &Plan) -> TokenStream {
    let jobs = plan.jobs.iter().map(|job| job_item(plan, job));
    quote!(&[#(#jobs),*])
}

fn job_item(plan: &Plan, job: &JobPlan) -> TokenStream {
    let name = &job.name;
    let schedule = &job.schedule;
    let description = match &job.description {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    let statements = job.statements.iter().filter_map(|s| {
        let q = plan.queries.get(s.query)?;
        let module = ident(&q.module);
        let query = static_name(q);
        let args = &s.args;
        Some(quote!((&queries::#module::#query, &[#(#args),*])))
    });
    let settings = job.settings.iter().map(|s| {
        let variable = &s.variable;
        let default = match &s.default {
            SettingValue::Integer(n) => quote!(::keel::jobs::SettingDefault::Integer(#n)),
            SettingValue::Text(t) => quote!(::keel::jobs::SettingDefault::Text(#t)),
        };
        quote!(::keel::jobs::Setting { variable: #variable, default: #default })
    });
    quote! {
        ::keel::jobs::Job {
            name: #name,
            schedule: #schedule,
            description: #description,
            statements: &[#(#statements),*],
            settings: &[#(#settings),*],
        }
    }
}
