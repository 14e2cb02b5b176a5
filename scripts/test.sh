#!/bin/sh
# Runs every test of the workspace, installing what it needs if missing:
#
#   - the wasm32-unknown-unknown target (rustup);
#   - worker-build 0.8.7 and wasm-bindgen-cli at the version Cargo.lock pins
#     (cargo install);
#   - wrangler, workerd, binaryen, esbuild, and the TypeScript client and
#     browser test tools (npm ci, from package-lock.json);
#   - the OpenAPI validator, the Python client generator and Schemathesis, in
#     .venv (pip, from app/tests/clients/python/requirements.txt, hashes
#     checked);
#   - Chromium for the docs portal test (Debian's package).
#
# Then: formatting, clippy (native and wasm32), the unit tests, the HTTP
# suite against the native server and against the Worker under `wrangler dev`,
# the fault tests of the native server, property-based tests from the OpenAPI
# document against both targets, and the document's own tests (validator,
# generated clients, browser).
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"

# A fresh clone (CI) gains nothing from incremental compilation but its
# gigabyte of cache files.
if [ "${CI:-}" = true ]; then
    export CARGO_INCREMENTAL=0
fi
# wrangler: no telemetry, no prompts.
export WRANGLER_SEND_METRICS=false
export CI="${CI:-true}"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
if [ "$(worker-build --version 2>/dev/null || true)" != "0.8.7" ]; then
    cargo install worker-build --version 0.8.7 --locked --force
fi
bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$bindgen" ]; then
    # Not --locked: one of its locked dependency versions is gone from the registry.
    cargo install wasm-bindgen-cli --version "$bindgen" --force
fi
# npm ci again whenever package-lock.json changed since the last install.
if ! cmp -s package-lock.json node_modules/.installed-package-lock.json 2>/dev/null; then
    npm ci --no-audit --no-fund
    cp package-lock.json node_modules/.installed-package-lock.json
fi
# Debian packages: Chromium for the browser test, and venv support if the
# system Python lacks it.
apt_install() {
    if ! command -v apt-get >/dev/null; then
        echo "error: cannot install $* without apt-get; install it yourself (see README.md)" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: the client tests need Python 3.11 or later as python3 (app/tests/clients/python/requirements.txt is locked for it)" >&2
    exit 1
fi
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
requirements=app/tests/clients/python/requirements.txt
if ! cmp -s "$requirements" .venv/.installed-requirements.txt 2>/dev/null; then
    python3 -m venv --clear .venv
    .venv/bin/pip install --quiet --require-hashes -r "$requirements"
    cp "$requirements" .venv/.installed-requirements.txt
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    apt_install chromium
fi

step "formatting"
cargo fmt --all -- --check

step "clippy (native)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --locked --target wasm32-unknown-unknown -p keel -p app -- -D warnings

step "tests (unit, and the HTTP suite on the native server and the Worker)"
cargo test --locked --workspace

printf '\nall tests passed\n'
