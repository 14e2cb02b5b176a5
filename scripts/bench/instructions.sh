#!/usr/bin/env bash
# User-space instructions per request of the four load-benchmark routes, in
# the generated server and in the hand-written baseline, counted by
# valgrind's callgrind: unlike time, the count does not move with other load
# on the machine, so small differences show.
#
#   scripts/bench/instructions.sh              # 1,000 requests per route
#   REQUESTS=200 scripts/bench/instructions.sh
#
# Each server runs under callgrind on a fresh copy of the load benchmark's
# database (the sample data plus app/benches/catalog.sql); one client sends
# the route's request 200 times, the counters are zeroed, then it sends
# REQUESTS more, one at a time, and the counters are dumped. Kernel work
# (the network, fsync) is not counted. Needs valgrind (Debian: apt-get
# install valgrind) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${REQUESTS:-1000}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
# shellcheck source=scripts/bench/servers.sh
. scripts/bench/servers.sh
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
TOKEN=$("$app" --env-file app/.dev.vars token --role customer --sub 42)
export TOKEN

seed_database "$work/seed.sqlite3"

# Sends one route's request N times on one connection.
send() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.client, json, os, sys, urllib.parse
base, route, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
check = {"items": [{"sku": "BEN-%05d" % (i * 97), "quantity": 2} for i in range(1, 21)]}
order = {"customer_id": 42, "items": [{"sku": "SHO-001", "quantity": 1}],
         "shipping_address": {"name": "Ada Lovelace", "line1": "Keizersgracht 1",
                              "city": "Amsterdam", "postal_code": "1015 CJ", "country": "NL"}}
for _ in range(n):
    if route == "get_product":
        conn.request("GET", "/v1/products/5000")
    elif route == "list_products":
        conn.request("GET", "/v1/products?limit=20")
    elif route == "check_inventory":
        conn.request("POST", "/v1/inventory/check", json.dumps(check), {"content-type": "application/json"})
    else:
        conn.request("POST", "/v1/orders", json.dumps(order),
                     {"content-type": "application/json", "authorization": "Bearer " + os.environ["TOKEN"]})
    reply = conn.getresponse()
    reply.read()
    if reply.status // 100 != 2:
        sys.exit(f"{route} answered {reply.status}")
PY
}

# Instructions per request of one route on one server.
count() {
  local server=$1 route=$2 bin args=() base
  rm -f "$work/run.sqlite3"*
  cp "$work/seed.sqlite3" "$work/run.sqlite3"
  if [ "$server" = generated ]; then bin=$app; args=(--no-jobs); else bin=$baseline; fi
  rm -f "$work/cg.out"*
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
    "$bin" --env-file app/.dev.vars --database "$work/run.sqlite3" --port 0 "${args[@]}" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  base=
  for _ in $(seq 300); do
    base=$(grep -o 'http://[0-9.:]*' "$work/server.out" 2>/dev/null | head -1) || true
    [ -n "$base" ] && break
    sleep 0.2
  done
  [ -n "$base" ] || { echo "$server did not start" >&2; tail "$work/server.err" >&2; exit 1; }
  send "$base" "$route" 200
  callgrind_control -z "$server_pid" >/dev/null 2>&1
  send "$base" "$route" "$REQUESTS"
  callgrind_control -d "$server_pid" >/dev/null 2>&1
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  # awk reads to the end: stopping early would end callgrind_annotate
  # with SIGPIPE, which pipefail reports.
  callgrind_annotate "$work/cg.out.1" 2>/dev/null |
    awk -v n="$REQUESTS" '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); printf "%d", $1 / n; done = 1 }'
}

printf '| route | generated | hand-written | generated/hand-written |\n|---|---|---|---|\n'
for route in get_product list_products check_inventory create_order; do
  g=$(count generated "$route")
  b=$(count baseline "$route")
  printf '| `%s` | %s | %s | %s |\n' "$route" "$g" "$b" "$(python3 -c "print(f'{$g / $b:.2f}')")"
done
