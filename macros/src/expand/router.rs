//! The `Api` service: routing over path segments, literal shapes before
//! parameter shapes, and the embedded migrations.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ident;
use crate::check::plan::{EndpointKind, EndpointPlan, Plan};
use crate::openapi::Document;
use crate::spec::{HttpMethod, Segment};

pub(super) fn expand(plan: &Plan, document: &Document, changelog: &str) -> TokenStream {
    // Group endpoints by route shape (parameters as wildcards).
    let mut shapes: Vec<(Vec<Option<&str>>, Vec<&EndpointPlan>)> = Vec::new();
    for e in &plan.endpoints {
        let shape: Vec<Option<&str>> = e
            .segments
            .iter()
            .map(|s| match s {
                Segment::Static(s) => Some(s.as_str()),
                Segment::Param(_) => None,
            })
            .collect();
        match shapes.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, list)) => list.push(e),
            None => shapes.push((shape, vec![e])),
        }
    }
    // A static segment wins over a parameter at the same position.
    shapes.sort_by(|(a, _), (b, _)| {
        let rank =
            |s: &Vec<Option<&str>>| s.iter().map(|x| u8::from(x.is_none())).collect::<Vec<_>>();
        a.len().cmp(&b.len()).then(rank(a).cmp(&rank(b)))
    });
    let depth = plan
        .endpoints
        .iter()
        .map(|e| e.segments.len())
        .max()
        .unwrap_or(0);
    let arms = shapes.iter().map(|(shape, endpoints)| {
        let pattern = shape.iter().enumerate().map(|(i, s)| match s {
            Some(lit) => quote!(#lit),
            None => {
                let p = format_ident!("__p{}", i);
                quote!(#p)
            }
        });
        let mut sorted = endpoints.clone();
        sorted.sort_by_key(|e| e.method);
        let mut allowed: Vec<&str> = Vec::new();
        for e in &sorted {
            allowed.push(e.method.as_str());
            if e.method == HttpMethod::Get {
                allowed.push("HEAD");
            }
        }
        let methods = sorted.iter().map(|e| {
            let method = e.method.as_str();
            let module = ident(&e.id);
            let params = shape
                .iter()
                .enumerate()
                .filter(|(_, s)| s.is_none())
                .map(|(i, _)| {
                    let p = format_ident!("__p{}", i);
                    quote!(*#p)
                });
            let reads = if e.replica {
                quote!(::keel::db::Reads::Replica)
            } else {
                quote!(::keel::db::Reads::Primary)
            };
            let respond = match &e.cache_control {
                Some(cache_control) => quote!(::keel::cache::respond(__result, #cache_control)),
                None => quote!(::keel::router::respond(__result)),
            };
            quote! {
                #method => {
                    ::keel::Database::reads(__cx.db, #reads);
                    let __result = endpoints::#module::handle(__cx, &__req, [#(#params),*]).await;
                    return #respond;
                }
            }
        });
        // A path can match several shapes (a literal segment and a
        // parameter). As in OpenAPI, the most concrete one is the path's
        // route, alone: shapes are tried literal-first, and a method it
        // does not have is a 405 listing its methods, never a fall-through
        // to a templated shape the document does not list for this path.
        quote! {
            if let [#(#pattern),*] = __segments {
                match __req.method.as_str() {
                    #(#methods)*
                    _ => return ::keel::router::unmatched(&__req, &[#(#allowed),*]),
                }
            }
        }
    });
    let jobs = super::jobs::jobs(plan);
    let paginated = plan.endpoints.iter().any(|e| {
        matches!(&e.kind, EndpointKind::Declarative { response, .. } if response.page.is_some())
    });
    let openapi_json = &document.json;
    let title = &plan.title;
    let version = &plan.version;
    let migrations = plan.migrations.iter().map(|(name, path)| {
        let path = path.to_string_lossy();
        quote!(::keel::Migration { name: #name, sql: ::core::include_str!(#path) })
    });
    let problem_types = plan.problem_types.iter().map(|p| {
        let (slug, status, title, when, action) = (&p.slug, p.status, &p.title, &p.when, &p.action);
        let members = p.members.iter().map(|(name, ty, description, required)| {
            quote! {
                ::keel::problem_types::Member { name: #name, ty: #ty, description: #description, required: #required }
            }
        });
        quote! {
            ::keel::problem_types::ProblemType {
                slug: #slug,
                status: #status,
                title: #title,
                when: #when,
                action: #action,
                members: &[#(#members),*],
            }
        }
    });
    quote! {
        /// The API: its router and migrations, served by `keel::native` or
        /// `keel::worker`.
        #[derive(Debug, Clone, Copy, Default)]
        pub struct Api;

        impl ::keel::Service for Api {
            const TITLE: &'static str = #title;
            const VERSION: &'static str = #version;
            const MIGRATIONS: &'static [::keel::Migration] = &[#(#migrations),*];
            const OPENAPI_JSON: &'static str = #openapi_json;
            const SECURITY: &'static ::keel::auth::Security = &auth::SECURITY;
            const JOBS: &'static [::keel::jobs::Job] = #jobs;
            const PAGINATED: bool = #paginated;
            const PROBLEM_TYPES: &'static [::keel::problem_types::ProblemType] = &[#(#problem_types),*];
            const API_CHANGELOG: &'static str = #changelog;

            fn handle<D: ::keel::Database>(
                cx: &::keel::Context<'_, D>,
                req: ::keel::Request,
            ) -> impl ::core::future::Future<Output = ::keel::Response> + ::keel::MaybeSend {
                __route(cx, req)
            }
        }

        async fn __route<D: ::keel::Database>(__cx: &::keel::Context<'_, D>, __req: ::keel::Request) -> ::keel::Response {
            let mut __buf = [""; #depth];
            let ::std::option::Option::Some(__segments) = ::keel::router::segments(&__req.path, &mut __buf) else {
                return ::keel::Problem::no_route(&__req.method, &__req.path).into_response();
            };
            #(#arms)*
            ::keel::router::unmatched(&__req, &[])
        }
    }
}
