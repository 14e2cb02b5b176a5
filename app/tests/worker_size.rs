//! The Worker's size budget: the gzipped upload that
//! `wrangler deploy --dry-run` reports, which every new isolate at the edge
//! loads, must stay within [`BUDGET_KIB`]. What the bytes are, and how to
//! look at them: "The Worker's size" in `docs/benchmarks.md`.

use std::path::Path;
use std::process::Command;

/// The most the gzipped upload may weigh, in KiB (wrangler's figure).
/// Raise it only with a reason in `docs/benchmarks.md`.
const BUDGET_KIB: f64 = 300.0;

#[test]
fn the_worker_upload_stays_within_its_budget() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR"));
    let wrangler = app.join("../node_modules/.bin/wrangler");
    assert!(
        wrangler.exists(),
        "{} is missing: run `npm ci` at the workspace root (scripts/test.sh does)",
        wrangler.display()
    );
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(&wrangler)
        .args(["deploy", "--dry-run", "--outdir"])
        .arg(out_dir.path())
        .current_dir(app)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .output()
        .expect("cannot run wrangler");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrangler deploy --dry-run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (total, gzip) = upload_size(&stdout)
        .unwrap_or_else(|| panic!("no `Total Upload` line in wrangler's output:\n{stdout}"));
    println!("the Worker's upload: {total} KiB, {gzip} KiB gzipped (budget {BUDGET_KIB} KiB)");
    assert!(
        gzip <= BUDGET_KIB,
        "the Worker's gzipped upload is {gzip} KiB, over its budget of {BUDGET_KIB} KiB \
         ({total} KiB uncompressed); see \"The Worker's size\" in docs/benchmarks.md"
    );
    // The docs portal's files are static assets, not part of the script.
    let wasm: u64 = std::fs::read_dir(out_dir.path())
        .expect("wrangler's out dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    assert!(wasm > 0, "no wasm module in wrangler's output");
    assert!(
        wasm < 1_000_000,
        "the wasm module is {wasm} bytes: is Swagger UI embedded again?"
    );
    // The build writes the assets afresh, with their headers.
    let headers = std::fs::read_to_string(app.join("build/assets/_headers"))
        .expect("the build wrote build/assets/_headers");
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
    ] {
        assert!(
            app.join("build/assets/docs").join(asset).is_file(),
            "the build wrote no static asset {asset}"
        );
        assert!(
            headers.contains(&format!("/docs/{asset}\n")),
            "_headers says nothing of {asset}:\n{headers}"
        );
    }
    assert!(
        headers.contains("X-Content-Type-Options: nosniff"),
        "{headers}"
    );
}

/// `Total Upload: 692.71 KiB / gzip: 248.10 KiB` → (692.71, 248.10).
fn upload_size(output: &str) -> Option<(f64, f64)> {
    let line = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Total Upload:"))?;
    let (total, gzip) = line.split_once("/ gzip:")?;
    let kib = |s: &str| s.trim().strip_suffix("KiB")?.trim().parse::<f64>().ok();
    Some((kib(total)?, kib(gzip)?))
}

#[test]
fn upload_sizes_are_read_from_wrangler_output() {
    assert_eq!(
        upload_size("x\nTotal Upload: 692.71 KiB / gzip: 248.10 KiB\ny"),
        Some((692.71, 248.10))
    );
    assert_eq!(upload_size("Total Upload: 1.2 MiB / gzip: 400 KiB"), None);
    assert_eq!(upload_size("nothing"), None);
}
