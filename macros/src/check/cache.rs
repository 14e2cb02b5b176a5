//! `cache:` and `reads:` of an endpoint: caching applies to GET, a shared
//! cache may never keep what needs credentials, and only an endpoint that
//! only reads may read a replica.

use super::Resolved;
use crate::diag::Diagnostics;
use crate::spec::{Cache, CacheScope, Endpoint, HttpMethod, Implementation, Reads};

/// The `Cache-Control` of a GET endpoint's successful answers: what it
/// declares, or the default for its access (`keel::cache::DEFAULT_PUBLIC`
/// or `DEFAULT_PRIVATE`). `None` for other methods.
pub(super) fn cache_control(
    endpoint: &Endpoint,
    public: bool,
    what: &str,
    d: &mut Diagnostics,
) -> Option<String> {
    if endpoint.method != HttpMethod::Get {
        if let Some(cache) = &endpoint.cache {
            d.error_help(
                cache.loc(),
                format!(
                    "{what}: `cache` applies to GET endpoints, not to {}",
                    endpoint.method.as_str()
                ),
                "HTTP caches reuse answers to GET only; drop `cache` here",
            );
        }
        return None;
    }
    Some(match &endpoint.cache {
        None if public => "no-cache".to_owned(),
        None => "private, no-cache".to_owned(),
        Some(Cache::NoStore { .. }) => "no-store".to_owned(),
        Some(Cache::Store {
            scope,
            max_age,
            stale_while_revalidate,
            ..
        }) => {
            if scope.value == CacheScope::Public && !public {
                d.error_help(
                    &scope.loc,
                    format!("{what}: `scope: public` would let a shared cache keep an answer that needs credentials, and give it to other callers"),
                    "use `scope: private` (only the caller's own cache keeps it), or make the endpoint `auth: public`",
                );
            }
            let scope = match scope.value {
                CacheScope::Public => "public",
                CacheScope::Private => "private",
            };
            match stale_while_revalidate {
                Some(swr) => format!("{scope}, max-age={max_age}, stale-while-revalidate={swr}"),
                None => format!("{scope}, max-age={max_age}"),
            }
        }
    })
}

/// Whether the endpoint may read a replica: `reads: replica`, and every
/// query it runs only reads.
pub(super) fn replica(
    sql: &Resolved<'_>,
    endpoint: &Endpoint,
    what: &str,
    d: &mut Diagnostics,
) -> bool {
    let Some(reads) = &endpoint.reads else {
        return false;
    };
    if reads.value == Reads::Primary {
        return false;
    }
    let uses = match &endpoint.implementation {
        Implementation::Queries(uses) | Implementation::Handler { queries: uses, .. } => uses,
    };
    let mut only_reads = true;
    for entry in uses {
        let writes = sql
            .index_of(&entry.query.value)
            .and_then(|index| sql.described(index))
            .is_some_and(|described| !described.readonly);
        if writes {
            only_reads = false;
            d.error_help(
                &reads.loc,
                format!(
                    "{what}: `reads: replica` applies to endpoints that only read, but query `{}` writes",
                    entry.query.value
                ),
                "writes always go to the primary; drop `reads: replica` (the answer still carries the `D1-Bookmark` a client reads its writes with)",
            );
        }
    }
    only_reads
}
