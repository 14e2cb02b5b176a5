#!/usr/bin/env bash
# What `--synchronous full` (the default: no acknowledged write lost on
# power failure) costs against `normal`, for POST /v1/orders over HTTP.
# Runs each setting ROUNDS times, alternating, on a fresh database each time.
#
#   scripts/bench/durability.sh            # 3 rounds of 10 s, 16 connections
#   ROUNDS=5 DURATION=20s CONNECTIONS=64 scripts/bench/durability.sh
#
# Needs `wrk` (Debian: apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build -q --release -p app
app=target/release/app
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export TOKEN SKU
TOKEN=$("$app" --env-file app/.dev.vars token --role customer --sub 42)

run() {
  local mode=$1 db="$work/$1-$2.sqlite3" port=$((18000 + RANDOM % 2000))
  "$app" --env-file app/.dev.vars --database "$db" --port "$port" --log warn \
    --synchronous "$mode" >/dev/null &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  SKU=$(python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE stock SET on_hand = 100000000")
db.commit()
print(db.execute("SELECT sku FROM products ORDER BY id LIMIT 1").fetchone()[0])
PY
)
  printf '%-7s round %s: ' "$mode" "$2"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/order.lua \
    "http://127.0.0.1:$port/v1/orders" | tail -1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for round in $(seq "$ROUNDS"); do
  run full "$round"
  run normal "$round"
done
