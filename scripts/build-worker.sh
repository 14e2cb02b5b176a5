#!/bin/sh
# Builds the Worker with worker-build, using only locally installed tools:
# wasm-bindgen from `cargo install` (at the version Cargo.lock pins) and
# wasm-opt and esbuild from node_modules. wrangler runs this as the
# `[build] command` of app/wrangler.toml, for `wrangler dev` and
# `wrangler deploy` alike.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")
bindgen=$(command -v wasm-bindgen || true)
if [ -z "$bindgen" ]; then
    echo "error: wasm-bindgen is not installed; run: cargo install wasm-bindgen-cli --version $want" >&2
    exit 1
fi
have=$("$bindgen" --version | awk '{ print $2 }')
if [ "$have" != "$want" ]; then
    echo "error: wasm-bindgen $have is installed but Cargo.lock pins $want; run: cargo install wasm-bindgen-cli --version $want --force" >&2
    exit 1
fi
for tool in "$root/node_modules/binaryen/bin/wasm-opt" "$root/node_modules/esbuild/bin/esbuild"; do
    if [ ! -x "$tool" ]; then
        echo "error: $tool is missing; run: npm ci (in $root)" >&2
        exit 1
    fi
done

export WASM_BINDGEN_BIN="$bindgen"
export WASM_OPT_BIN="$root/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/esbuild/bin/esbuild"
cd "$root/app"
exec worker-build --release "$@"
