//! `cache:` and `reads:` of an endpoint: how its answers may be reused, and
//! whether it may read a database replica.

use marked_yaml::Node;

use super::idempotency::duration;
use crate::diag::Diagnostics;
use crate::spec::model::{Cache, CacheScope, Reads, Spanned};
use crate::spec::yaml::{self, Map, Src};

/// The longest `max-age` or `stale-while-revalidate`: a year, as RFC 9111
/// advises for "never expires".
const MAX_SECONDS: u64 = 365 * 86_400;

/// `cache: no-store | { scope: public | private, max-age: 1m,
/// stale-while-revalidate: 5m }`.
pub(super) fn parse_cache(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Cache> {
    let cwhat = format!("`cache` of {what}");
    let loc = src.node_loc(node);
    let help = "write `cache: { scope: public, max-age: 1m }` (any cache may keep it), `cache: { scope: private, max-age: 30s }` (only the caller's), or `cache: no-store`";
    match node {
        Node::Scalar(_) => {
            let text = yaml::string(src, node, &cwhat, d)?;
            if text.value == "no-store" {
                return Some(Cache::NoStore { loc });
            }
            d.error_help(
                &text.loc,
                format!("{cwhat}: unknown value `{}`", text.value),
                help,
            );
            None
        }
        Node::Mapping(_) => {
            let map = Map::of(src, node, &cwhat, d)?;
            map.allow(
                src,
                &["scope", "max-age", "stale-while-revalidate"],
                &cwhat,
                d,
            );
            let scope = map.req_str(src, "scope", &cwhat, d)?;
            let scope = match scope.value.as_str() {
                "public" => Spanned::new(CacheScope::Public, scope.loc),
                "private" => Spanned::new(CacheScope::Private, scope.loc),
                other => {
                    d.error_help(
                        &scope.loc,
                        format!("{cwhat}: `scope` must be `public` or `private`, not `{other}`"),
                        "`public`: shared caches (a CDN) may keep it; `private`: only the caller's own cache",
                    );
                    return None;
                }
            };
            let seconds = |key: &str, d: &mut Diagnostics| {
                let kwhat = format!("`{key}` of {cwhat}");
                let text = yaml::string(src, map.get(key)?, &kwhat, d)?;
                let value = duration(&text, &kwhat, d)?;
                if value.value > MAX_SECONDS {
                    d.error(&value.loc, format!("{kwhat} is longer than a year"));
                    return None;
                }
                Some(value.value)
            };
            let max_age = match map.get("max-age") {
                Some(_) => seconds("max-age", d)?,
                None => {
                    d.error_help(
                        &loc,
                        format!("{cwhat} has no `max-age`"),
                        "say how long a stored answer stays fresh: `max-age: 1m`",
                    );
                    return None;
                }
            };
            let stale_while_revalidate = match map.get("stale-while-revalidate") {
                Some(_) => Some(seconds("stale-while-revalidate", d)?),
                None => None,
            };
            Some(Cache::Store {
                scope,
                max_age,
                stale_while_revalidate,
                loc,
            })
        }
        Node::Sequence(_) => {
            d.error_help(
                &loc,
                format!("{cwhat} must be `no-store` or a mapping"),
                help,
            );
            None
        }
    }
}

/// `reads: primary | replica`.
pub(super) fn parse_reads(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Spanned<Reads>> {
    let rwhat = format!("`reads` of {what}");
    let text = yaml::string(src, node, &rwhat, d)?;
    let reads = match text.value.as_str() {
        "primary" => Reads::Primary,
        "replica" => Reads::Replica,
        other => {
            d.error_help(
                &text.loc,
                format!("{rwhat}: unknown value `{other}`"),
                "`replica` lets D1 answer from a nearby read replica (a client reads its own writes with the `D1-Bookmark` header); `primary` (the default) always reads the primary",
            );
            return None;
        }
    };
    Some(Spanned::new(reads, text.loc))
}
