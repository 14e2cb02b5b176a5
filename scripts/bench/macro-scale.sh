#!/usr/bin/env bash
# The macro's own time on a large spec, in a real build: generates a crate
# whose api.yaml declares ENDPOINTS endpoints (default 500) over half as many
# tables, each table with a typed lookup (cached) and a filtered listing,
# builds it once, then rebuilds it ROUNDS times after touching api.yaml with
# KEEL_TIMINGS=1, and prints the macro's report of each rebuild.
#
#   scripts/bench/macro-scale.sh
#   ENDPOINTS=1000 ROUNDS=5 scripts/bench/macro-scale.sh
#
# The crate lives in target/macro-scale and shares the workspace's target
# directory and Cargo.lock, so only the macro's work is new.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
ENDPOINTS=${ENDPOINTS:-500}
ROUNDS=${ROUNDS:-3}
dir=target/macro-scale
mkdir -p "$dir/src" "$dir/queries" "$dir/migrations"
python3 - "$dir" "$ENDPOINTS" <<'PY'
import sys
from pathlib import Path
out, endpoints = Path(sys.argv[1]), int(sys.argv[2])
tables = endpoints // 2
migration, queries = [], []
schemas, paths = [], []
for t in range(tables):
    migration.append(f"CREATE TABLE t{t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL, note TEXT);")
    queries.append(f"-- name: get_t{t} :optional\nSELECT id, name, price, note FROM t{t} WHERE id = :id;\n")
    queries.append(f"-- name: list_t{t} :many\nSELECT id, name, price, note FROM t{t}\n"
                   f"WHERE (:min_price IS NULL OR price >= :min_price) ORDER BY id LIMIT 50;\n")
    schemas.append(f"  Row{t}:\n    properties:\n      id: {{ type: integer, format: int64 }}\n      name: string\n"
                   f"      price: integer\n      note: {{ type: string, nullable: true }}\n"
                   f"  Rows{t}:\n    properties:\n      items: [Row{t}]\n")
    paths.append(f"  get_t{t}:\n    get: /t{t}/{{id}}\n    auth: public\n    cache: {{ scope: public, max-age: 1m }}\n"
                 f"    params:\n      id: {{ in: path, type: integer, format: int64, minimum: 1 }}\n"
                 f"    queries: [items.get_t{t}]\n    responses:\n      200: Row{t}\n      404: Not found.\n"
                 f"  list_t{t}:\n    get: /t{t}\n    auth: public\n    params:\n"
                 f"      min_price: {{ in: query, type: integer, minimum: 0 }}\n"
                 f"    queries:\n      - {{ query: items.list_t{t}, into: items }}\n    responses:\n      200: Rows{t}\n")
(out / "migrations" / "0001_tables.sql").write_text("\n".join(migration) + "\n")
(out / "queries" / "items.sql").write_text("\n".join(queries))
(out / "api.yaml").write_text("info:\n  title: Large\n  version: 1.0.0\nschemas:\n" + "".join(schemas)
                              + "endpoints:\n" + "".join(paths))
PY
cat >"$dir/Cargo.toml" <<TOML
[package]
name = "macro-scale"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
keel = { path = "$root/runtime" }
serde = { version = "1.0", features = ["derive"] }
serde_json = "1.0"

[workspace]
TOML
cat >"$dir/src/lib.rs" <<'RS'
//! A large generated API, to time the macro.
keel::api!(spec = "api.yaml", queries = "queries", migrations = "migrations");
RS
cp Cargo.lock "$dir/Cargo.lock"
export CARGO_TARGET_DIR="$root/target"
(cd "$dir" && cargo build -q --offline 2>&1 | tail -5)
for _ in $(seq "$ROUNDS"); do
    touch "$dir/api.yaml"
    (cd "$dir" && KEEL_TIMINGS=1 cargo build -vv --offline 2>&1 | grep -o 'keel: api.yaml: .*' | head -1)
done
