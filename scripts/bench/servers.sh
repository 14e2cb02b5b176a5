# Shared by the benchmarks that serve the shop with both servers
# (load.sh, instructions.sh); sourced, not run. From the workspace root:
# builds both servers, and defines `seed_database PATH`.

# Two builds, so that each binary gets the crate features it ships with.
cargo build -q --release -p app
cargo build -q --release -p shop-baseline
app=target/release/app
baseline=target/release/shop-baseline

# Writes the benchmarks' database to PATH: migrations and sample data from
# the app's first start, then the catalog (app/benches/catalog.sql: 10,000
# products in 3 warehouses), and stock enough for every order.
seed_database() {
  local path=$1 out pid
  out=$(mktemp)
  "$app" --env-file app/.dev.vars --database "$path" --port 0 >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q 'http://' "$out" && break
    sleep 0.1
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
  python3 - "$path" app/benches/catalog.sql <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA foreign_keys = ON")
with open(sys.argv[2]) as catalog:
    db.executescript(catalog.read())
db.execute("UPDATE stock SET on_hand = on_hand + 100000000")
db.commit()
db.close()
PY
}
