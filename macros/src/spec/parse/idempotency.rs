//! `idempotency:` of an endpoint, and the durations it (and jobs) are
//! written with.

use marked_yaml::Node;

use crate::diag::Diagnostics;
use crate::spec::model::{Idempotency, Spanned};
use crate::spec::yaml::{self, Map, Src};

/// How long a record is kept unless the spec says otherwise: a day.
pub const DEFAULT_EXPIRY_SECONDS: u64 = 24 * 3600;

/// The longest a record may be kept: thirty days.
const MAX_EXPIRY_SECONDS: u64 = 30 * 24 * 3600;

/// `idempotency: optional | required | { key: ..., expires: 24h }`.
pub(super) fn parse_idempotency(
    src: &Src,
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Idempotency> {
    let iwhat = format!("`idempotency` of {what}");
    let loc = src.node_loc(node);
    let (key, expires) = match node {
        Node::Scalar(_) => (yaml::string(src, node, &iwhat, d)?, None),
        Node::Mapping(_) => {
            let map = Map::of(src, node, &iwhat, d)?;
            map.allow(src, &["key", "expires"], &iwhat, d);
            let key = map.req_str(src, "key", &iwhat, d)?;
            let expires = map.get("expires").and_then(|n| {
                let text = yaml::string(src, n, &format!("`expires` of {iwhat}"), d)?;
                duration(&text, &format!("`expires` of {iwhat}"), d)
            });
            (key, expires)
        }
        Node::Sequence(_) => {
            d.error_help(
                &loc,
                format!("{iwhat} must be `optional`, `required` or a mapping"),
                "write `idempotency: optional`, or `idempotency: { key: required, expires: 24h }`",
            );
            return None;
        }
    };
    let required = match key.value.as_str() {
        "required" => true,
        "optional" => false,
        other => {
            d.error_help(
                &key.loc,
                format!("{iwhat}: unknown value `{other}`"),
                "`required` refuses a request without an `Idempotency-Key` (400); `optional` accepts one",
            );
            return None;
        }
    };
    if let Some(expires) = &expires
        && !(1..=MAX_EXPIRY_SECONDS).contains(&expires.value)
    {
        d.error_help(
            &expires.loc,
            format!("{iwhat}: `expires` must be between 1s and 30d"),
            "a client retries within minutes; a day (the default) covers any sane retry policy",
        );
    }
    Some(Idempotency {
        required,
        expires_seconds: expires.map_or(DEFAULT_EXPIRY_SECONDS, |e| {
            e.value.clamp(1, MAX_EXPIRY_SECONDS)
        }),
        loc,
    })
}

/// A duration such as `90s`, `30m`, `24h` or `7d`, in seconds.
pub(super) fn duration(
    text: &Spanned<String>,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Spanned<u64>> {
    let value = text.value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let scale = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        "d" => Some(86_400),
        _ => None,
    };
    match (number.parse::<u64>().ok(), scale) {
        (Some(n), Some(scale)) => n
            .checked_mul(scale)
            .map(|seconds| Spanned::new(seconds, text.loc.clone()))
            .or_else(|| {
                d.error(&text.loc, format!("{what}: `{value}` is too long"));
                None
            }),
        _ => {
            d.error_help(
                &text.loc,
                format!("{what}: `{value}` is not a duration"),
                "write a whole number and a unit: `90s`, `30m`, `24h` or `7d`",
            );
            None
        }
    }
}
