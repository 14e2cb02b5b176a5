//! Extracts the few Swagger UI files the docs portal serves from the
//! vendored release archive into `OUT_DIR`, where `src/docs.rs` embeds them.

use std::io::Read;
use std::path::PathBuf;

/// The files of Swagger UI's `dist/` directory the portal needs.
const FILES: &[&str] = &[
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "favicon-32x32.png",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if std::env::var_os("CARGO_FEATURE_DOCS_PORTAL").is_none() {
        return;
    }
    let archive = std::io::Cursor::new(utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED);
    let mut zip = zip::ZipArchive::new(archive).expect("the vendored Swagger UI archive is a zip");
    for file in FILES {
        let name = zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .find(|n| n.ends_with(&format!("/dist/{file}")) && !n.contains("/flavors/"))
            .unwrap_or_else(|| panic!("the vendored Swagger UI has no dist/{file}"));
        if *file == "swagger-ui-bundle.js" {
            // `swagger-ui-5.32.6/dist/...`: the release, for cache-busting URLs.
            let version = name
                .split('/')
                .next()
                .unwrap_or("")
                .trim_start_matches("swagger-ui-");
            println!("cargo::rustc-env=KEEL_SWAGGER_UI_VERSION={version}");
        }
        let mut entry = zip.by_name(&name).expect("entry listed above");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("a readable zip entry");
        std::fs::write(out.join(file), bytes).expect("OUT_DIR is writable");
    }
}
