#!/usr/bin/env bash
# Requests per second and latency of four shop endpoints over HTTP: the
# generated server (`app`) against a hand-written axum + rusqlite baseline
# (`shop-baseline`, app/benches/baseline), one server at a time, each on a
# fresh copy of one database: the sample data plus 10,000 products in every
# warehouse (as the criterion bench fills it) with plenty of stock.
# Each round runs both servers, alternating which goes first; each server
# run warms up and measures every route with wrk, writes last.
#
#   scripts/bench/load.sh                       # 3 rounds, 10 s per route
#   ROUNDS=1 DURATION=5s scripts/bench/load.sh  # a quick check
#   CONNECTIONS=16 WARMUP=2s OUT=/tmp/load.json scripts/bench/load.sh
#   BASELINE_ARGS='--reads blocking' scripts/bench/load.sh
#
# Prints a table per route (median req/s, p50 and p99 over the rounds, the
# server's CPU time per request, and generated/baseline), and writes every
# run's numbers as JSON to $OUT (default target/bench/load.json), which
# scripts/bench/chart.py draws. wrk shares the cores with the server, so
# anything else running skews the numbers: before each server run the
# script waits (up to QUIET_WAIT seconds, default 120) for the machine to
# be idle, and it records how much CPU time other processes took during
# each run (`other_load_pct`; a warning above 5%). The server's CPU time
# per request is the figure least moved by other load.
# Both servers log at their default level (info, one line per request) to
# a file. The generated server runs with its defaults, its scheduled jobs
# included.
#
# Needs `wrk` (Debian: apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
OUT=${OUT:-target/bench/load.json}
BASELINE_ARGS=${BASELINE_ARGS:-}
QUIET_WAIT=${QUIET_WAIT:-120}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# shellcheck source=scripts/bench/servers.sh
. scripts/bench/servers.sh
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/raw" "$work/bodies" "$(dirname "$OUT")"
export TOKEN SKU=SHO-001
TOKEN=$("$app" --env-file app/.dev.vars token --role customer --sub 42)

# name, method, path and wrk script of each route; the write goes last, so
# that the reads see the database as it was copied.
routes=(
  "get_product GET /v1/products/5000 -"
  "list_products GET /v1/products?limit=20 -"
  "check_inventory POST /v1/inventory/check scripts/bench/check.lua"
  "create_order POST /v1/orders scripts/bench/order.lua"
)

# Starts a server (the command in "$@") on a free port, logging to $log;
# sets $server_pid and $base.
start() {
  local log=$1; shift
  "$@" --port 0 >"$log.out" 2>"$log" &
  server_pid=$!
  for _ in $(seq 100); do
    base=$(grep -o 'http://[0-9.:]*' "$log.out" 2>/dev/null | head -1) || true
    [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null && return
    sleep 0.1
  done
  echo "the server did not start: $*" >&2; cat "$log" >&2; exit 1
}

stop() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

# Percent of the machine's CPU time in use over the next second.
busy() {
  local a b
  read -ra a </proc/stat; sleep 1; read -ra b </proc/stat
  local work=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
  local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) ))
  echo $(( 100 * work / (work + idle + 1) ))
}

# Waits until the machine is idle (at most 5% busy), for up to QUIET_WAIT
# seconds; prints how busy it was last.
quiet() {
  local waited=0 load
  while load=$(busy); [ "$load" -gt 5 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
    sleep 2; waited=$((waited + 3))
  done
  echo "$load"
}

# The CPU time (user and system, in clock ticks) the server has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }

# The database, for every run to copy.
seed_database "$work/seed.sqlite3"

# One server's run: a fresh copy of the database, then every route.
run() {
  local server=$1 round=$2 db="$work/run.sqlite3" load
  rm -f "$db" "$db-wal" "$db-shm"
  cp "$work/seed.sqlite3" "$db"
  load=$(quiet)
  [ "$load" -gt 5 ] && echo "warning: the machine is $load% busy with other work" >&2
  if [ "$server" = generated ]; then
    start "$work/$server-$round.log" "$app" --env-file app/.dev.vars --database "$db"
  else
    # shellcheck disable=SC2086 # BASELINE_ARGS is a list of flags
    start "$work/$server-$round.log" "$baseline" --env-file app/.dev.vars --database "$db" $BASELINE_ARGS
  fi
  local route name method path script url args status ticks before after
  for route in "${routes[@]}"; do
    read -r name method path script <<<"$route"
    url="$base$path"
    args=(--latency -t"$THREADS" -c"$CONNECTIONS")
    [ "$script" != - ] && args+=(-s "$script")
    # One request by hand first: it must succeed, and its answer is kept to
    # compare the two servers'.
    if [ "$method" = GET ]; then
      status=$(curl -s -D "$work/bodies/$server-$name.head" -o "$work/bodies/$server-$name" -w '%{http_code}' "$url")
    elif [ "$name" = create_order ]; then
      status=$(curl -s -D "$work/bodies/$server-$name.head" -o "$work/bodies/$server-$name" -w '%{http_code}' "$url" \
        -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d "{\"customer_id\":42,\"items\":[{\"sku\":\"$SKU\",\"quantity\":1}],\"shipping_address\":{\"name\":\"Ada Lovelace\",\"line1\":\"Keizersgracht 1\",\"city\":\"Amsterdam\",\"postal_code\":\"1015 CJ\",\"country\":\"NL\"}}")
    else
      status=$(curl -s -D "$work/bodies/$server-$name.head" -o "$work/bodies/$server-$name" -w '%{http_code}' "$url" \
        -H 'content-type: application/json' \
        -d "$(printf '{"sku":"BEN-%05d","quantity":2},' $(seq 97 97 1940) | sed 's/^/{"items":[/; s/,$/]}/')")
    fi
    case $status in 2??) ;; *) echo "$server $name answered $status:" >&2; cat "$work/bodies/$server-$name" >&2; exit 1;; esac
    wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    printf '%-9s round %s  %-15s ' "$server" "$round" "$name"
    # The server's CPU time, wrk's (this shell's children) and the
    # machine's around the run: what is left is other load.
    ticks=$(cpu_ticks)
    read -ra before </proc/stat; times >"$work/times0"
    wrk "${args[@]}" -d"$DURATION" "$url" >"$work/raw/$server-$name-$round.txt"
    read -ra after </proc/stat; times >"$work/times1"
    {
      echo "cpu_ticks $(( $(cpu_ticks) - ticks )) busy_before $load"
      echo "machine ${before[*]:1:8} / ${after[*]:1:8}"
      echo "children $(tail -1 "$work/times0") / $(tail -1 "$work/times1")"
    } >>"$work/raw/$server-$name-$round.txt"
    grep -E '^Requests/sec' "$work/raw/$server-$name-$round.txt" | tr -s ' '
  done
  stop
}

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then
    run generated "$round"; run baseline "$round"
  else
    run baseline "$round"; run generated "$round"
  fi
done

python3 - "$work" "$OUT" "$ROUNDS" "$DURATION" "$CONNECTIONS" "$THREADS" "$BASELINE_ARGS" "${routes[@]}" <<'PY'
import json, os, re, statistics, subprocess, sys, time

work, out, rounds, duration, connections, threads, baseline_args = sys.argv[1:8]
routes = [r.split() for r in sys.argv[8:]]
servers = ["generated", "baseline"]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}
TICKS = os.sysconf("SC_CLK_TCK")

def millis(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]

def parse(path):
    text = open(path).read()
    run = {"requests": int(re.search(r"(\d+) requests in", text).group(1)),
           "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for pct in ("50", "75", "90", "99"):
        run[f"p{pct}_ms"] = millis(re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    run["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    run["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    ticks, load = re.search(r"^cpu_ticks (\d+) busy_before (\d+)", text, re.M).groups()
    run["cpu_us_per_request"] = int(ticks) * 1e6 / TICKS / run["requests"]
    run["busy_before_pct"] = int(load)
    # Other load during the run: the machine's busy time less the server's
    # and wrk's, as a share of all CPU time.
    before, after = (list(map(int, part.split()))
                     for part in re.search(r"^machine (.*)$", text, re.M).group(1).split(" / "))
    delta = [b - a for a, b in zip(before, after)]
    machine_busy = sum(delta) - delta[3] - delta[4]
    wrk_before, wrk_after = (sum(seconds(t) for t in part.split())
                             for part in re.search(r"^children (.*)$", text, re.M).group(1).split(" / "))
    other = machine_busy / TICKS - int(ticks) / TICKS - (wrk_after - wrk_before)
    run["other_load_pct"] = max(0.0, 100 * other * TICKS / max(sum(delta), 1))
    return run

def seconds(text):
    minutes, secs = re.fullmatch(r"(\d+)m([\d.]+)s", text).groups()
    return int(minutes) * 60 + float(secs)

runs = []
for name, method, path, _ in routes:
    for server in servers:
        for rnd in range(1, int(rounds) + 1):
            run = parse(os.path.join(work, "raw", f"{server}-{name}-{rnd}.txt"))
            runs.append({"server": server, "route": name, "round": rnd, **run})

summary = []
for name, method, path, _ in routes:
    row = {"route": name, "method": method, "path": path}
    for server in servers:
        mine = [r for r in runs if r["route"] == name and r["server"] == server]
        row[server] = {k: statistics.median(r[k] for r in mine)
                       for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_request")}
        row[server]["failed"] = sum(r["non_2xx"] + r["socket_errors"] for r in mine)
    row["ratio"] = row["generated"]["rps"] / row["baseline"]["rps"]
    summary.append(row)

# The two servers' answers to the same first request: status, headers
# (but the date and the request id) and body.
def answer(server, name):
    path = os.path.join(work, "bodies", f"{server}-{name}")
    head = open(path + ".head", "rb").read().replace(b"\r", b"").split(b"\n")
    head = sorted(h.lower() for h in head if h and not re.match(rb"(?i)(date|x-request-id):", h))
    # An order's times are the moment it was placed.
    body = re.sub(rb'"(created|updated)_at":"[^"]*"', rb'"\1_at":"*"', open(path, "rb").read())
    return head, body
same = {name: answer("generated", name) == answer("baseline", name) for name, *_ in routes}

def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None

result = {
    "meta": {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
        "cpus": os.cpu_count(),
        "rounds": int(rounds), "duration": duration, "connections": int(connections),
        "threads": int(threads), "tool": "wrk", "products": 10024,
        "generated": "target/release/app (defaults: info log, pool of 8, synchronous=full)",
        "baseline": ("target/release/shop-baseline " + baseline_args).strip(),
    },
    "summary": summary,
    "identical_answers": same,
    "runs": runs,
}
with open(out, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

print()
print(f"median of {rounds} round(s) of {duration}, wrk -t{threads} -c{connections}, {os.cpu_count()} CPUs")
print(f"{'':<16} {'generated':-^36}   {'baseline':-^36}")
print(f"{'route':<16} {'req/s':>9} {'p50':>8} {'p99':>8} {'CPU/req':>8}   "
      f"{'req/s':>9} {'p50':>8} {'p99':>8} {'CPU/req':>8}   {'gen/base':>8}")
for row in summary:
    cells = []
    for s in servers:
        n = row[s]
        cells.append(f"{n['rps']:>9,.0f} {n['p50_ms']:>6.2f}ms {n['p99_ms']:>6.2f}ms "
                     f"{n['cpu_us_per_request']:>6.0f}us")
    print(f"{row['route']:<16} {cells[0]}   {cells[1]}   {row['ratio']:>8.2f}")
for run in runs:
    if run["other_load_pct"] > 5:
        print(f"warning: {run['server']} {run['route']} round {run['round']}: "
              f"other processes used {run['other_load_pct']:.0f}% of the CPU time", file=sys.stderr)
for row in summary:
    for server in servers:
        if row[server]["failed"]:
            print(f"warning: {server} {row['route']}: {row[server]['failed']} failed requests", file=sys.stderr)
for name, ok in same.items():
    if not ok:
        print(f"warning: {name}: the two servers answered the first request differently "
              f"(status, headers or body)", file=sys.stderr)
print(f"\nraw results: {out}")
PY
