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
# The wasm is optimized for size: the upload is what every new isolate
# loads. The crates whose speed a request feels (signature checks) keep
# opt-level 3 through their package overrides in Cargo.toml. Native builds
# keep the release profile's opt-level 3.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
cd "$root/app"
worker-build --release "$@"
# worker-build keeps the names section (`--debuginfo`): a sixth of the
# upload, for readable wasm stack traces. A panic is logged with its message
# and location without it, so it goes.
"$WASM_OPT_BIN" build/index_bg.wasm --strip-debug -o build/index_bg.wasm \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-multivalue --enable-reference-types \
    --enable-exception-handling
# The docs portal's Swagger UI files, served by Workers Static Assets
# (`[assets]` in wrangler.toml), not from the wasm.
# From scratch, so that nothing stale is uploaded.
rm -rf "$root/app/build/assets"
node "$root/scripts/docs-assets.mjs" "$root/app/build/assets"
