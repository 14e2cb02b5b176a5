//! The macro's driver: reads its arguments and the user's files, runs the
//! pipeline and turns diagnostics into `compile_error!`s.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

use crate::check::{self, Resolved};
use crate::diag::{Diagnostics, Loc};
use crate::sql::analyze::{MigrationFile, Schemas};
use crate::{expand, handlers, names, openapi, spec, sql};

/// The macro's arguments.
struct Args {
    spec: String,
    queries: String,
    migrations: String,
    /// The directory of released contracts (`v1.json`, …), if any.
    contract: Option<String>,
    /// Paths are relative to the calling file rather than the crate.
    from_file: bool,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args {
            spec: "api.yaml".into(),
            queries: "queries".into(),
            migrations: "migrations".into(),
            contract: None,
            from_file: false,
        };
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            match key.to_string().as_str() {
                "spec" => args.spec = value.value(),
                "queries" => args.queries = value.value(),
                "migrations" => args.migrations = value.value(),
                "contract" => args.contract = Some(value.value()),
                "paths_from" => {
                    args.from_file = match value.value().as_str() {
                        "crate" => false,
                        "file" => true,
                        other => {
                            return Err(syn::Error::new(
                                value.span(),
                                format!(
                                    "`paths_from = \"{other}\"`: expected `\"crate\"` (the default: relative to Cargo.toml) or `\"file\"` (relative to this file)"
                                ),
                            ));
                        }
                    }
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{other}`; expected `spec`, `queries`, `migrations`, `contract` or `paths_from`"
                        ),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// Runs the macro, called from `call_file` (when the compiler tells).
pub fn run(
    input: TokenStream,
    call_file: Option<&Path>,
    call_at: Option<(usize, usize)>,
) -> TokenStream {
    let args: Args = match syn::parse2(input) {
        Ok(args) => args,
        Err(err) => return err.to_compile_error(),
    };
    let base = if args.from_file {
        match call_file.and_then(Path::parent) {
            Some(dir) => dir.to_path_buf(),
            None => {
                return error_tokens(&[
                    "keel: `paths_from = \"file\"` needs the calling file's path, which this compiler does not tell; use paths relative to Cargo.toml".to_owned(),
                ]);
            }
        }
    } else {
        match std::env::var("CARGO_MANIFEST_DIR") {
            Ok(dir) => PathBuf::from(dir),
            Err(_) => {
                return error_tokens(&[
                    "keel: CARGO_MANIFEST_DIR is not set; build with Cargo".to_owned()
                ]);
            }
        }
    };
    let files = Files {
        base: &base,
        spec: &args.spec,
        queries: &args.queries,
        migrations: &args.migrations,
        contract: args.contract.as_deref(),
        call_file,
        call_at,
    };
    match generate(&files) {
        Ok(tokens) => tokens,
        Err(messages) => error_tokens(&messages),
    }
}

fn error_tokens(messages: &[String]) -> TokenStream {
    let errors = messages.iter().map(|m| quote!(::core::compile_error!(#m);));
    let _ = Span::call_site();
    quote!(#(#errors)*)
}

/// What the macro reads.
pub struct Files<'a> {
    /// The directory the paths are relative to.
    pub base: &'a Path,
    /// The spec.
    pub spec: &'a str,
    /// The queries directory.
    pub queries: &'a str,
    /// The migrations directory.
    pub migrations: &'a str,
    /// The directory of released contracts, if the API keeps one.
    pub contract: Option<&'a str>,
    /// The file that calls the macro, where handlers are looked for.
    pub call_file: Option<&'a Path>,
    /// Where in it (1-based line and column).
    pub call_at: Option<(usize, usize)>,
}

/// Everything the macro does, from paths to tokens, as a plain function
/// (the tests call it directly).
pub fn generate(files: &Files<'_>) -> Result<TokenStream, Vec<String>> {
    generate_with(files, &mut Schemas::default())
}

/// [`generate`], reusing what `schemas` kept of earlier calls with the same
/// migrations (the fuzz test's thousands of cases share a few).
pub fn generate_with(files: &Files<'_>, schemas: &mut Schemas) -> Result<TokenStream, Vec<String>> {
    generate_both(files, schemas).map(|(tokens, _)| tokens)
}

/// [`generate_with`], and the OpenAPI document (JSON) the code serves.
pub fn generate_both(
    files: &Files<'_>,
    schemas: &mut Schemas,
) -> Result<(TokenStream, String), Vec<String>> {
    let manifest_dir = files.base;
    let (spec_path, queries_dir, migrations_dir) = (files.spec, files.queries, files.migrations);
    // Messages show paths from the workspace root, found from the calling
    // file where known (the crate may be built from elsewhere, as by test
    // harnesses).
    let root = workspace_root(
        files
            .call_file
            .and_then(Path::parent)
            .unwrap_or(manifest_dir),
    );
    let display = |path: &Path| -> Rc<str> {
        let shown = path.strip_prefix(&root).unwrap_or(path);
        Rc::from(shown.to_string_lossy().replace('\\', "/"))
    };
    let mut d = Diagnostics::default();
    let mut tracked = Vec::new();
    let mut clock = Clock::from_env();

    let spec_path = normalize(&manifest_dir.join(spec_path));
    let spec_file = display(&spec_path);
    let spec_text = read(&spec_path, "the spec", &mut tracked)?;
    let spec = spec::parse::parse(
        &spec::yaml::Src {
            file: Rc::clone(&spec_file),
        },
        &spec_text,
        &mut d,
    );

    let queries_path = normalize(&manifest_dir.join(queries_dir));
    let mut queries = Vec::new();
    for path in sql_files(&queries_path, "the queries directory")? {
        let file = display(&path);
        let text = read(&path, "a query file", &mut tracked)?;
        let module = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(message) = names::unusable(&module) {
            d.error(&Loc::file_start(&file), message);
            continue;
        }
        if !names::is_snake_case(&module) {
            d.error_help(
                &Loc::file_start(&file),
                format!(
                    "query file name `{module}.sql` must be snake_case (it becomes a Rust module)"
                ),
                format!("rename it to `{}.sql`", names::to_snake_case(&module)),
            );
            continue;
        }
        queries.extend(sql::parse_file(&module, file, &text, &mut d));
    }

    let migrations_path = normalize(&manifest_dir.join(migrations_dir));
    let mut migrations = Vec::new();
    for path in sql_files(&migrations_path, "the migrations directory")? {
        let name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = display(&path);
        if !name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            d.error_help(&Loc::file_start(&file), format!("migration `{name}` does not start with a number"), "name migrations `NNNN_what.sql` (as `wrangler d1 migrations create` does) so they apply in order");
        }
        let text = read(&path, "a migration", &mut tracked)?;
        migrations.push(MigrationFile {
            name,
            path,
            display: file,
            text,
        });
    }

    clock.lap("read and parse");
    if let (Some(spec), Some(file)) = (&spec, files.call_file) {
        let site = handlers::CallSite {
            file,
            at: files.call_at,
            display: &display,
        };
        handlers::check(spec, &site, &mut tracked, &mut d);
    }

    clock.lap("handlers");
    let schema = schemas.build(&migrations, &mut d);
    clock.lap("migrations");
    let described: Vec<_> = queries
        .iter()
        .map(|q| schema.as_ref().and_then(|s| s.describe(q, &mut d)))
        .collect();
    clock.lap("queries");

    // A Workers app's cron triggers must be its jobs' schedules; the file
    // is read now so that the plan lists it among the files it depends on.
    let wrangler = manifest_dir.join("wrangler.toml");
    let wrangler_text = if wrangler.is_file() {
        Some(read(&wrangler, "wrangler.toml", &mut tracked)?)
    } else {
        None
    };
    // The released contract the document is compared with: a new one
    // (a version cut) rebuilds the app.
    if let (Some(dir), Some(spec)) = (files.contract, &spec)
        && let Ok(Some(path)) =
            crate::contract::released_path(&normalize(&manifest_dir.join(dir)), &spec.info.version)
    {
        tracked.push(path);
    }
    let resolved = Resolved::new(&queries, &described);
    let sources = check::plan::Sources {
        migrations: migrations
            .iter()
            .map(|m| (m.name.clone(), m.path.clone()))
            .collect(),
        tracked,
    };
    let plan = spec
        .as_ref()
        .and_then(|spec| check::check(spec, &resolved, sources, &mut d));
    if let Some(spec) = &spec {
        if let Some(schema) = &schema {
            check::idempotency::check_table(spec, schema, &mut d);
        }
        if let Some(text) = &wrangler_text {
            check::jobs::check_triggers(spec, text, &display(&wrangler), &mut d);
        }
    }
    clock.lap("spec against SQL");
    if d.has_errors() {
        return Err(render(d));
    }
    let Some((plan, _)) = plan else {
        return Err(vec![format!("{spec_file}: the spec could not be read")]);
    };
    let mut value = openapi::render(&plan).map_err(|e| vec![format!("{spec_file}: {e}")])?;
    let withheld = match &spec {
        Some(spec) => openapi::examples::check(spec, &value, &mut d),
        None => Vec::new(),
    };
    if d.has_errors() {
        return Err(render(d));
    }
    openapi::examples::emit(&mut value, &plan, &withheld);
    let document = openapi::Document::new(value).map_err(|e| vec![format!("{spec_file}: {e}")])?;
    clock.lap("OpenAPI");
    let changelog = match (files.contract, &spec) {
        (Some(dir), Some(spec)) => {
            let path = normalize(&manifest_dir.join(dir));
            let shown = display(&path);
            let changelog =
                crate::contract::check(spec, &spec_file, &path, &shown, &document.json, &mut d);
            if d.has_errors() {
                return Err(render(d));
            }
            changelog
        }
        _ => String::new(),
    };
    clock.lap("contract");
    let tokens = expand::expand(&plan, &document, &changelog);
    clock.lap("code");
    clock.report(&spec_file);
    Ok((tokens, document.json))
}

/// Phase timings, printed to the build's output when `KEEL_TIMINGS` is set
/// (`KEEL_TIMINGS=1 cargo build -vv` shows them; see `docs/checks.md`).
struct Clock {
    start: Option<std::time::Instant>,
    last: Option<std::time::Instant>,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Clock {
    fn from_env() -> Self {
        let now = std::env::var_os("KEEL_TIMINGS").map(|_| std::time::Instant::now());
        Clock {
            start: now,
            last: now,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, what: &'static str) {
        if let Some(last) = self.last {
            let now = std::time::Instant::now();
            self.laps.push((what, now - last));
            self.last = Some(now);
        }
    }

    fn report(&self, spec: &str) {
        let Some(start) = self.start else { return };
        let laps: Vec<String> = self
            .laps
            .iter()
            .map(|(what, d)| format!("{what} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect();
        eprintln!(
            "keel: {spec}: {:.1} ms ({})",
            start.elapsed().as_secs_f64() * 1e3,
            laps.join(", ")
        );
    }
}

fn render(d: Diagnostics) -> Vec<String> {
    let list = d.into_vec();
    let total = list.len();
    list.into_iter()
        .enumerate()
        .map(|(i, diag)| {
            if total > 1 {
                format!("{diag}\n  note: error {} of {total}", i + 1)
            } else {
                diag.to_string()
            }
        })
        .collect()
}

fn read(path: &Path, what: &str, tracked: &mut Vec<PathBuf>) -> Result<String, Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            tracked.push(path.to_path_buf());
            Ok(text)
        }
        Err(err) => Err(vec![format!(
            "keel: cannot read {what} at {}: {err}",
            path.display()
        )]),
    }
}

fn sql_files(dir: &Path, what: &str) -> Result<Vec<PathBuf>, Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|err| {
        vec![format!(
            "keel: cannot read {what} at {}: {err}",
            dir.display()
        )]
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The nearest ancestor with a `[workspace]` manifest, else `dir` itself.
fn workspace_root(dir: &Path) -> PathBuf {
    let mut current = Some(dir);
    while let Some(d) = current {
        if std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]")) {
            return d.to_path_buf();
        }
        current = d.parent();
    }
    dir.to_path_buf()
}
