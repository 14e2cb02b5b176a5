//! The fuzzer's seeds, and how a case keeps a slice of a large one: the
//! shop (`api.yaml`, `app/queries/`, `migrations/`, and `app/src/lib.rs`
//! with `orders.rs` for its handlers, read at test time), the small spec of
//! the diagnostics tests and the expansion fixtures.

use std::collections::HashSet;
use std::path::Path;

use super::vocabulary::Rng;

/// One set of inputs to the macro: a spec, query files and migrations, each
/// file as (file name, text).
#[derive(Debug, Clone)]
pub(super) struct Case {
    /// `api.yaml`.
    pub spec: String,
    /// `queries/*.sql`.
    pub queries: Vec<(String, String)>,
    /// `migrations/*.sql`.
    pub migrations: Vec<(String, String)>,
    /// `src/*.rs`: the file that calls the macro (`lib.rs`) and the modules
    /// of its handlers; none for seeds without Rust.
    pub rust: Vec<(String, String)>,
    /// What was done to the seed, for the failure report.
    pub log: Vec<String>,
}

/// A seed and the words found in it.
pub(super) struct Seed {
    /// Where it comes from.
    pub name: String,
    /// Its files.
    pub case: Case,
    /// Its identifiers and numbers, for replacements that keep to the
    /// seed's own vocabulary (a column of this schema, a schema of this
    /// spec).
    pub words: Vec<String>,
    /// Its endpoints, schemas and queries, when a case keeps only a few of
    /// its endpoints (the shop is large; a slice goes as deep and costs a
    /// fraction).
    pub parts: Option<Parts>,
}

/// Reads every seed.
pub(super) fn seeds() -> Vec<Seed> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..");
    let shop = |name: &str, sliced: bool| {
        let rust = ["lib.rs"].map(|f| (f.to_owned(), read(&root.join("app/src").join(f))));
        seed(
            name,
            read(&root.join("api.yaml")),
            read_dir(&root.join("app/queries")),
            read_dir(&root.join("migrations")),
            rust.to_vec(),
            sliced,
        )
    };
    let mut seeds = vec![
        shop("the shop, 1 to 3 endpoints", true),
        seed(
            "the small spec of src/tests/mod.rs",
            super::super::SPEC.to_owned(),
            vec![("items.sql".to_owned(), super::super::QUERIES.to_owned())],
            vec![(
                "0001_items.sql".to_owned(),
                super::super::MIGRATION.to_owned(),
            )],
            Vec::new(),
            false,
        ),
    ];
    for name in ["items", "todos", "handler", "shelves"] {
        let dir = manifest.join("tests/expand").join(name);
        seeds.push(seed(
            &format!("the fixture tests/expand/{name}"),
            read(&dir.join("api.yaml")),
            read_dir(&dir.join("queries")),
            read_dir(&dir.join("migrations")),
            Vec::new(),
            false,
        ));
    }
    seeds.push(shop("the whole shop", false));
    seeds
}

fn seed(
    name: &str,
    spec: String,
    queries: Vec<(String, String)>,
    migrations: Vec<(String, String)>,
    rust: Vec<(String, String)>,
    sliced: bool,
) -> Seed {
    let case = Case {
        spec,
        queries,
        migrations,
        rust,
        log: Vec::new(),
    };
    let mut words: Vec<String> = texts(&case)
        .flat_map(|text| words(text).map(|(a, b)| text[a..b].to_owned()))
        .collect();
    words.sort();
    words.dedup();
    Seed {
        name: name.to_owned(),
        parts: if sliced { Parts::of(&case) } else { None },
        case,
        words,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_dir(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), read(&p))
        })
        .collect();
    files.sort();
    files
}

/// Every text of a case.
pub(super) fn texts(case: &Case) -> impl Iterator<Item = &str> {
    std::iter::once(case.spec.as_str())
        .chain(case.queries.iter().map(|(_, t)| t.as_str()))
        .chain(case.migrations.iter().map(|(_, t)| t.as_str()))
}

/// Byte ranges of the identifiers (`[A-Za-z_][A-Za-z0-9_]*`) and numbers
/// (`[0-9]+`) of `text`.
pub(super) fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && !(bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        if at == bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        Some((start, at))
    })
}

/// The lines of `text`, each with its line break.
pub(super) fn lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The YAML blocks of `lines` at exactly `depth` spaces between lines
/// `from..to`: each a key line and the more indented lines under it, as a
/// range of lines.
pub(super) fn blocks(
    lines: &[String],
    depth: usize,
    from: usize,
    to: usize,
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if blank(line) {
            continue;
        }
        let d = indent(line);
        if d <= depth {
            if let Some(last) = out.last_mut().filter(|b| b.1 == usize::MAX) {
                last.1 = i;
            }
            if d == depth {
                out.push((i, usize::MAX));
            }
        }
    }
    if let Some(last) = out.last_mut().filter(|b| b.1 == usize::MAX) {
        last.1 = to;
    }
    out
}

/// The top-level YAML section `key:` of `lines`, as the range of its
/// children.
pub(super) fn section(lines: &[String], key: &str) -> Option<(usize, usize)> {
    let (start, end) = blocks(lines, 0, 0, lines.len())
        .into_iter()
        .find(|&(s, _)| lines[s].trim_end() == format!("{key}:"))?;
    Some((start + 1, end))
}

/// The queries of an annotated SQL file: each from its `-- name:` line to
/// the next one, as a range of lines, with the query's name.
pub(super) fn query_blocks(lines: &[String]) -> Vec<(usize, usize, String)> {
    let heads: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let rest = l.trim_start().strip_prefix("-- name:")?;
            Some((i, rest.split_whitespace().next().unwrap_or("").to_owned()))
        })
        .collect();
    heads
        .iter()
        .enumerate()
        .map(|(n, (start, name))| {
            let end = heads.get(n + 1).map_or(lines.len(), |h| h.0);
            (*start, end, name.clone())
        })
        .collect()
}

/// A spec cut into the blocks a slice keeps or drops.
pub(super) struct Parts {
    /// The spec's lines.
    spec: Vec<String>,
    /// The endpoints: their lines, the schemas and queries they name.
    endpoints: Vec<Part>,
    /// The schemas: their lines and the schemas they name.
    schemas: Vec<Part>,
    /// The names in the rest of the spec, which is always kept (such as
    /// the queries that jobs run).
    rest: HashSet<String>,
    /// The query files.
    queries: Vec<QueryFile>,
}

/// A query file's lines, and its queries as ranges of lines with their
/// full names (`module.query`).
struct QueryFile {
    lines: Vec<String>,
    queries: Vec<(usize, usize, String)>,
}

/// A block of lines and the names in it.
struct Part {
    name: String,
    lines: (usize, usize),
    names: HashSet<String>,
}

impl Parts {
    fn of(case: &Case) -> Option<Parts> {
        let spec = lines(&case.spec);
        let part = |(start, end): (usize, usize)| Part {
            name: spec[start].trim().trim_end_matches(':').to_owned(),
            lines: (start, end),
            names: names(&spec[start..end]),
        };
        let (from, to) = section(&spec, "endpoints")?;
        let endpoints: Vec<Part> = blocks(&spec, 2, from, to).into_iter().map(part).collect();
        let schemas: Vec<Part> = section(&spec, "schemas")
            .map(|(from, to)| blocks(&spec, 2, from, to).into_iter().map(part).collect())
            .unwrap_or_default();
        let mut rest: Vec<String> = Vec::new();
        for (i, line) in spec.iter().enumerate() {
            let within = |p: &Part| (p.lines.0..p.lines.1).contains(&i);
            if !endpoints.iter().any(within) && !schemas.iter().any(within) {
                rest.push(line.clone());
            }
        }
        let queries = case
            .queries
            .iter()
            .map(|(file, text)| {
                let module = file.trim_end_matches(".sql");
                let lines = lines(text);
                let queries = query_blocks(&lines)
                    .into_iter()
                    .map(|(s, e, name)| (s, e, format!("{module}.{name}")))
                    .collect();
                QueryFile { lines, queries }
            })
            .collect();
        Some(Parts {
            rest: names(&rest),
            spec,
            endpoints,
            schemas,
            queries,
        })
    }
}

/// The words of `lines`, and their `module.query` pairs.
fn names(lines: &[String]) -> HashSet<String> {
    let mut names = HashSet::new();
    for line in lines {
        let spans: Vec<(usize, usize)> = words(line).collect();
        for (n, &(a, b)) in spans.iter().enumerate() {
            names.insert(line[a..b].to_owned());
            if let Some(&(c, d)) = spans.get(n + 1)
                && c == b + 1
                && &line[b..c] == "."
            {
                names.insert(line[a..d].to_owned());
            }
        }
    }
    names
}

/// Keeps one to three of the seed's endpoints, the schemas they reach and
/// the queries they name: a smaller spec that still goes through every
/// stage. Sometimes keeps every schema, or a query no endpoint uses.
pub(super) fn slice(seed: &Seed, rng: &mut Rng) -> Case {
    let mut case = seed.case.clone();
    let Some(parts) = &seed.parts else {
        return case;
    };
    let mut kept: Vec<&Part> = Vec::new();
    let endpoints = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    for _ in 0..endpoints {
        if let Some(e) = rng.pick(&parts.endpoints)
            && !kept.iter().any(|k| k.lines == e.lines)
        {
            kept.push(e);
        }
    }
    let mut used: HashSet<&str> = kept
        .iter()
        .flat_map(|e| e.names.iter())
        .chain(&parts.rest)
        .map(String::as_str)
        .collect();
    // Schemas reach schemas: follow the names until nothing new is found.
    let mut reached = vec![rng.chance(10); parts.schemas.len()];
    loop {
        let mut grew = false;
        for (n, schema) in parts.schemas.iter().enumerate() {
            if !reached[n] && used.contains(schema.name.as_str()) {
                reached[n] = true;
                grew = true;
                used.extend(schema.names.iter().map(String::as_str));
            }
        }
        if !grew {
            break;
        }
    }
    let mut keep = vec![true; parts.spec.len()];
    let dropped = parts
        .endpoints
        .iter()
        .filter(|e| !kept.iter().any(|k| k.lines == e.lines))
        .chain(
            parts
                .schemas
                .iter()
                .zip(&reached)
                .filter(|(_, r)| !**r)
                .map(|(s, _)| s),
        );
    for part in dropped {
        keep[part.lines.0..part.lines.1].fill(false);
    }
    case.spec = kept_lines(&parts.spec, &keep);
    let stray = rng.chance(3);
    for ((_, text), file) in case.queries.iter_mut().zip(&parts.queries) {
        let mut keep = vec![true; file.lines.len()];
        for (s, e, full) in &file.queries {
            let named = used.contains(full.as_str()) || (stray && rng.chance(20));
            if !named {
                keep[*s..*e].fill(false);
            }
        }
        *text = kept_lines(&file.lines, &keep);
    }
    case.queries.retain(|(_, text)| text.contains("-- name:"));
    let names: Vec<&str> = kept.iter().map(|e| e.name.as_str()).collect();
    case.log
        .push(format!("kept endpoint(s) {}", names.join(", ")));
    case
}

fn kept_lines(lines: &[String], keep: &[bool]) -> String {
    lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| l.as_str())
        .collect()
}
