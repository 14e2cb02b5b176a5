//! The security model's diagnostics: roles, schemes, claims and owner
//! scoping, on a small spec with one owner-scoped role.

use super::{one_error, run};

const SECURED_MIGRATION: &str =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, name TEXT NOT NULL);";

const SECURED_QUERIES: &str = "-- name: get_item :optional
SELECT id, name FROM items WHERE id = :item_id AND (:auth_role = 'admin' OR owner_id = :auth_sub);
";

const SECURED: &str = "info:
  title: Items
  version: 1.0.0
security:
  schemes:
    bearer:
      type: jwt
      keys: { HS256: ITEMS_SECRET, EdDSA: ITEMS_PUBLIC_KEY }
  claims:
    sub: { type: integer, format: int64 }
  roles:
    owner: { owner: sub }
    admin: {}
schemas:
  Item:
    properties:
      id: { type: integer, format: int64 }
      name: string
endpoints:
  get_item:
    get: /items/{item_id}
    auth: [owner, admin]
    params:
      item_id: { in: path, type: integer, minimum: 1 }
    queries: [items.get_item]
    responses:
      200: Item
";

fn secured(spec: &str, queries: &str) -> Vec<String> {
    run(spec, queries, SECURED_MIGRATION)
}

#[test]
fn a_secured_spec_generates_code() {
    assert_eq!(secured(SECURED, SECURED_QUERIES), Vec::<String>::new());
    // `unscoped` opts out of owner scoping, with its reason.
    let spec = SECURED.replace(
        "auth: [owner, admin]",
        "auth: { roles: [owner, admin], unscoped: every owner sees every item }",
    );
    let queries = "-- name: get_item :optional\nSELECT id, name FROM items WHERE id = :item_id;\n";
    assert_eq!(secured(&spec, queries), Vec::<String>::new());
    // An explicit binding of a claim counts as binding it.
    let spec = SECURED.replace(
        "    queries: [items.get_item]",
        "    queries: [{ query: items.get_item, bind: { owner: auth.sub } }]",
    );
    let queries = "-- name: get_item :optional\nSELECT id, name FROM items WHERE id = :item_id AND owner_id = :owner;\n";
    assert_eq!(secured(&spec, queries), Vec::<String>::new());
}

#[test]
fn unknown_roles_and_schemes_get_suggestions() {
    let errors = secured(
        &SECURED.replace(
            "auth: [owner, admin]",
            "auth: { roles: [owner, admn], schemes: [berer] }",
        ),
        SECURED_QUERIES,
    );
    assert_eq!(
        errors,
        vec![
            "api.yaml:22:28: endpoint `get_item`: unknown role `admn`; the spec declares `owner` or `admin`\n  help: did you mean `admin`?\n  note: error 1 of 2",
            "api.yaml:22:45: endpoint `get_item`: unknown scheme `berer`; the spec declares `bearer`\n  help: did you mean `bearer`?\n  note: error 2 of 2",
        ]
    );
}

#[test]
fn an_owner_scoped_role_must_find_its_claim_bound() {
    let queries = "-- name: get_item :optional\nSELECT id, name FROM items WHERE id = :item_id;\n";
    assert_eq!(
        one_error(SECURED, queries, SECURED_MIGRATION),
        "api.yaml:22:11: endpoint `get_item` admits role `owner`, whose data is scoped by its `sub` claim, but none of its queries binds `:auth_sub`: one owner could read or change another owner's data\n  help: bind the claim where the rows are chosen (`WHERE owner_column = :auth_sub`); if every owner may see every owner's rows here, say so: `auth: { roles: [owner, admin], unscoped: <why> }`"
    );
    // An endpoint without `auth:` admits every role, and is held to the same rule.
    let spec = SECURED.replace("    auth: [owner, admin]\n", "");
    assert!(one_error(&spec, queries, SECURED_MIGRATION).starts_with(
        "api.yaml:20:3: endpoint `get_item` admits role `owner`, whose data is scoped"
    ));
    // `unscoped` where nothing is owner-scoped says nothing; it is refused.
    let spec = SECURED.replace(
        "auth: [owner, admin]",
        "auth: { roles: [admin], unscoped: why not }",
    );
    assert_eq!(
        one_error(&spec, queries, SECURED_MIGRATION),
        "api.yaml:22:39: endpoint `get_item`: `unscoped` has no effect: no role it admits is scoped by an owner claim\n  help: remove `unscoped`"
    );
}

#[test]
fn a_public_endpoint_has_no_caller_to_bind() {
    let spec = SECURED.replace("auth: [owner, admin]", "auth: public");
    let errors = secured(&spec, SECURED_QUERIES);
    assert_eq!(
        errors,
        vec![
            "queries/items.sql:2:53: `:auth_role` of query `items.get_item` is the caller's `role`, but endpoint `get_item` is public (`auth: public`): it has no caller\n  help: remove `auth: public` so that only authenticated callers reach it, or bind the parameter to an input\n  note: error 1 of 2",
            "queries/items.sql:2:88: `:auth_sub` of query `items.get_item` is the caller's `sub`, but endpoint `get_item` is public (`auth: public`): it has no caller\n  help: remove `auth: public` so that only authenticated callers reach it, or bind the parameter to an input\n  note: error 2 of 2",
        ]
    );
}

#[test]
fn claims_are_checked_like_other_bindings() {
    // A misspelled claim.
    let queries = SECURED_QUERIES.replace(":auth_sub", ":auth_subj");
    // (And with `:auth_sub` gone, the owner claim is not bound either.)
    let errors = secured(SECURED, &queries);
    assert_eq!(
        errors.first().and_then(|e| e.lines().next()),
        Some(
            "queries/items.sql:2:88: `:auth_subj` of query `items.get_item` names no claim of the caller; the claims bind as `auth_role` or `auth_sub`"
        ),
        "{errors:#?}"
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    // A claim whose type does not suit the column it is compared with.
    let spec = SECURED.replace("sub: { type: integer, format: int64 }", "sub: string");
    assert_eq!(
        one_error(&spec, SECURED_QUERIES, SECURED_MIGRATION),
        "api.yaml:10:10: the caller's claim `sub` is a string, but `:auth_sub` of query `items.get_item` meets the INTEGER column items.owner_id (at queries/items.sql:2:88)\n  help: declare it `type: integer`, or say otherwise in the query with `-- param auth_sub: <type>`"
    );
}

#[test]
fn scheme_declarations_are_checked() {
    let cases = [
        (
            SECURED.replace("HS256: ITEMS_SECRET, EdDSA: ITEMS_PUBLIC_KEY", "none: ITEMS_SECRET"),
            "api.yaml:8:15: scheme `bearer`: `none` would accept unsigned tokens, from anyone\n  help: accept `HS256` (a shared secret) or `EdDSA` (the issuer's Ed25519 public key)",
        ),
        (
            SECURED.replace("HS256: ITEMS_SECRET", "HS265: ITEMS_SECRET"),
            "api.yaml:8:15: scheme `bearer`: unsupported algorithm `HS265`; supported are `HS256` (a shared secret) and `EdDSA` (an Ed25519 public key)\n  help: did you mean `HS256`?",
        ),
        (
            SECURED.replace("EdDSA: ITEMS_PUBLIC_KEY", "EdDSA: ITEMS_SECRET"),
            "api.yaml:8:43: scheme `bearer`: `ITEMS_SECRET` holds the keys of both HS256 and EdDSA\n  help: give each algorithm its own variable: a shared secret and a public key must never be confused",
        ),
        (
            SECURED.replace("  roles:\n    owner: { owner: sub }\n    admin: {}\n", "  roles: {}\n"),
            "api.yaml:11:10: `security.roles` declares no role",
        ),
        (
            SECURED.replace("owner: { owner: sub }", "owner: { owner: subject }"),
            "api.yaml:12:21: role `owner`: owner claim `subject` is not declared under `security.claims`",
        ),
        (
            SECURED.replace("      item_id: { in: path, type: integer, minimum: 1 }\n", "      item_id: { in: path, type: integer, minimum: 1 }\n      all: { in: query, type: boolean, roles: [admn] }\n"),
            "api.yaml:25:48: parameter `all` of endpoint `get_item`: unknown role `admn`; the spec declares `owner` or `admin`\n  help: did you mean `admin`?",
        ),
    ];
    for (spec, expected) in cases {
        let errors = secured(&spec, SECURED_QUERIES);
        assert!(
            errors.first().is_some_and(|e| e.starts_with(expected)),
            "expected {expected}\n got {errors:#?}"
        );
    }
}

#[test]
fn roles_are_granted_by_the_schemes_they_name() {
    // A second scheme, which may grant `owner` only.
    let two = SECURED.replace(
        "      keys: { HS256: ITEMS_SECRET, EdDSA: ITEMS_PUBLIC_KEY }\n",
        "      keys: { HS256: ITEMS_SECRET }\n    partner:\n      type: jwt\n      keys: { EdDSA: ITEMS_PUBLIC_KEY }\n",
    );
    let granted = two.replace(
        "owner: { owner: sub }",
        "owner: { owner: sub, schemes: [partner] }",
    );
    assert_eq!(secured(&granted, SECURED_QUERIES), Vec::<String>::new());
    let misspelled = two.replace(
        "owner: { owner: sub }",
        "owner: { owner: sub, schemes: [partnr] }",
    );
    assert!(
        secured(&misspelled, SECURED_QUERIES)[0].starts_with(
            "api.yaml:15:36: role `owner`: unknown scheme `partnr`; the spec declares `bearer` or `partner`\n  help: did you mean `partner`?"
        )
    );
    // Admitting a role through schemes that cannot grant it admits nobody.
    let unreachable = granted.replace(
        "auth: [owner, admin]",
        "auth: { roles: [owner, admin], schemes: [bearer] }",
    );
    assert!(
        one_error(&unreachable, SECURED_QUERIES, SECURED_MIGRATION).starts_with(
            "api.yaml:25:11: endpoint `get_item` admits role `owner`, but none of the schemes it accepts may grant that role"
        )
    );
    // One variable read by two schemes for two algorithms.
    let shared = two.replace(
        "keys: { EdDSA: ITEMS_PUBLIC_KEY }",
        "keys: { EdDSA: ITEMS_SECRET }",
    );
    assert_eq!(
        one_error(&shared, SECURED_QUERIES, SECURED_MIGRATION),
        "api.yaml:11:22: scheme `partner`: `ITEMS_SECRET` holds EdDSA keys, but scheme `bearer` reads it for HS256\n  help: give each algorithm its own variable: a shared secret and a public key must never be confused"
    );
}

#[test]
fn the_owner_claim_binds_where_rows_are_chosen_and_written() {
    let migration = format!("{SECURED_MIGRATION}\nCREATE TABLE seen (item_id INTEGER NOT NULL);");
    let queries = format!(
        "{SECURED_QUERIES}\n-- name: mark_seen :exec\nINSERT INTO seen (item_id) VALUES (:item_id);\n"
    );
    let spec = SECURED.replace(
        "    queries: [items.get_item]",
        "    queries: [items.get_item, items.mark_seen]",
    );
    assert_eq!(
        run(&spec, &queries, &migration),
        vec![
            "api.yaml:25:31: endpoint `get_item` admits role `owner`, whose data is scoped by its `sub` claim, and query `items.mark_seen` writes without binding `:auth_sub`: one owner could reach another owner's data through it\n  help: bind the claim in `items.mark_seen` too (`AND owner_column = :auth_sub`), or say why every owner's rows may be reached here: `unscoped: <why>`"
        ]
    );
    // The claim bound by another query does not scope the root.
    let queries = "-- name: get_item :optional\nSELECT id, name FROM items WHERE id = :item_id;\n\n-- name: mine :many\nSELECT id FROM items WHERE owner_id = :auth_sub;\n";
    let spec = SECURED
        .replace(
            "    queries: [items.get_item]",
            "    queries: [items.get_item, { query: items.mine, into: mine }]",
        )
        .replace(
            "      name: string\n",
            "      name: string\n      mine: { type: array, items: integer }\n",
        );
    let errors = run(&spec, queries, SECURED_MIGRATION);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("query `items.get_item` decides whether there is anything to answer without binding `:auth_sub`"),
        "{errors:#?}"
    );
}

#[test]
fn claim_parameters_carry_only_the_caller() {
    // `:auth_sub` bound to a request input.
    let spec = SECURED
        .replace(
            "    queries: [items.get_item]",
            "    queries: [{ query: items.get_item, bind: { auth_sub: item_id } }]",
        )
        .replace(
            "auth: [owner, admin]",
            "auth: { roles: [owner, admin], unscoped: checking the binding }",
        );
    let errors = secured(&spec, SECURED_QUERIES);
    assert!(
        errors[0].starts_with("api.yaml:25:58: endpoint `get_item`: `:auth_sub` of query `items.get_item` is the caller's `sub` and can only be bound to `auth.sub`"),
        "{errors:#?}"
    );
    // A parameter limited to some roles cannot have a default.
    let spec = SECURED.replace(
        "      item_id: { in: path, type: integer, minimum: 1 }\n",
        "      item_id: { in: path, type: integer, minimum: 1 }\n      all: { in: query, type: boolean, default: false, roles: [admin] }\n",
    );
    let errors = secured(&spec, SECURED_QUERIES);
    assert!(
        errors[0].starts_with(
            "api.yaml:25:56: parameter `all` of endpoint `get_item`: a parameter with a `default` cannot be limited to some roles"
        ),
        "{errors:#?}"
    );
}
