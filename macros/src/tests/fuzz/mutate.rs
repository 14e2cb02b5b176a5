//! The mutations: the ways a case is broken, from byte flips to
//! structure-aware edits of YAML blocks, annotated queries and migrations.
//! Each mutation records what it did in the case's log.

use super::corpus::{self, Case};
use super::vocabulary::{CARDINALITIES, EDGES, NAMES, NUMBERS, Rng, STATEMENTS, TYPES};

/// What a mutation changes: the spec, a query file, a migration or one of
/// the Rust files handlers are looked for in.
#[derive(Clone, Copy)]
enum Target {
    Spec,
    Query(usize),
    Migration(usize),
    Rust(usize),
}

fn target(case: &Case, rng: &mut Rng) -> Target {
    let roll = rng.below(100);
    if !case.rust.is_empty() && rng.chance(4) {
        Target::Rust(rng.below(case.rust.len()))
    } else if roll < 50 || (case.queries.is_empty() && case.migrations.is_empty()) {
        Target::Spec
    } else if (roll < 85 && !case.queries.is_empty()) || case.migrations.is_empty() {
        Target::Query(rng.below(case.queries.len()))
    } else {
        Target::Migration(rng.below(case.migrations.len()))
    }
}

fn text(case: &mut Case, target: Target) -> Option<(&mut String, String)> {
    match target {
        Target::Spec => Some((&mut case.spec, "api.yaml".to_owned())),
        Target::Query(i) => case
            .queries
            .get_mut(i)
            .map(|(n, t)| (t, format!("queries/{n}"))),
        Target::Migration(i) => case
            .migrations
            .get_mut(i)
            .map(|(n, t)| (t, format!("migrations/{n}"))),
        Target::Rust(i) => case.rust.get_mut(i).map(|(n, t)| (t, format!("src/{n}"))),
    }
}

/// A word from the seed's vocabulary, or now and then an edge value.
fn word(words: &[String], rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => edge(rng),
        1 => long(rng),
        _ => rng.pick(words).cloned().unwrap_or_default(),
    }
}

/// An edge value: a number or another.
fn edge(rng: &mut Rng) -> String {
    let values = if rng.chance(30) { NUMBERS } else { EDGES };
    rng.pick(values).copied().unwrap_or("").to_owned()
}

fn long(rng: &mut Rng) -> String {
    let unit = *rng.pick(&["a", "9", "é", "_", "x ", "🦀"]).unwrap_or(&"a");
    unit.repeat(*rng.pick(&[64, 300, 5000]).unwrap_or(&64))
}

/// The byte offset of a char boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Applies one mutation, chosen at random, to `case`.
pub(super) fn mutate(case: &mut Case, words: &[String], rng: &mut Rng) {
    let roll = rng.below(100);
    let note = match roll {
        0..=24 => text_mutation(case, words, rng),
        25..=41 => line_mutation(case, words, rng),
        42..=55 => sql_mutation(case, rng),
        56..=63 => migration_mutation(case, words, rng),
        64..=75 => yaml_mutation(case, words, rng),
        76..=91 => rename_everywhere(case, words, rng),
        _ => file_mutation(case, rng),
    };
    if let Some(note) = note {
        case.log.push(note);
    }
}

/// Replaces a word, inserts one, flips a character, truncates or nests.
fn text_mutation(case: &mut Case, words: &[String], rng: &mut Rng) -> Option<String> {
    let t = target(case, rng);
    let (text, file) = text(case, t)?;
    let spans: Vec<(usize, usize)> = corpus::words(text).collect();
    match rng.below(6) {
        0 | 1 => {
            let &(a, b) = rng.pick(&spans)?;
            let numeric = text.as_bytes()[a].is_ascii_digit();
            let new = if numeric && rng.chance(70) {
                rng.pick(NUMBERS)?.to_string()
            } else {
                word(words, rng)
            };
            let old = text[a..b].to_owned();
            text.replace_range(a..b, &new);
            Some(format!("{file}: replaced `{old}` at byte {a} with {new:?}"))
        }
        2 => {
            let at = boundary(text, rng.below(text.len() + 1));
            let new = word(words, rng);
            let sep = *rng.pick(&["", " ", "\n", ": ", ", "])?;
            text.insert_str(at, &format!("{new}{sep}"));
            Some(format!("{file}: inserted {new:?} at byte {at}"))
        }
        3 => {
            let at = boundary(text, rng.below(text.len().max(1)));
            let ch = text[at..].chars().next()?;
            let noise = *rng.pick(&[
                "{", "}", "[", "]", ":", ",", "-", "'", "\"", "\n", "\t", " ", "#", "&", "*", "!",
                "|", ">", "%", "@", "`", "?", "(", ")", ";", "é", "\u{0}",
            ])?;
            text.replace_range(at..at + ch.len_utf8(), noise);
            Some(format!(
                "{file}: replaced {ch:?} at byte {at} with {noise:?}"
            ))
        }
        4 => {
            let at = boundary(text, rng.below(text.len() + 1));
            text.truncate(at);
            Some(format!("{file}: truncated at byte {at}"))
        }
        _ => {
            let at = boundary(text, rng.below(text.len() + 1));
            let depth = *rng.pick(&[20, 200, 3000])?;
            let (open, close) = *rng.pick(&[("(", ")"), ("[", "]"), ("{a: ", "}"), ("- ", "")])?;
            let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            text.insert_str(at, &nested);
            Some(format!("{file}: nested {open:?} {depth} deep at byte {at}"))
        }
    }
}

/// Deletes, duplicates, swaps, moves or re-indents lines.
fn line_mutation(case: &mut Case, words: &[String], rng: &mut Rng) -> Option<String> {
    let t = target(case, rng);
    let (text, file) = text(case, t)?;
    let mut lines = corpus::lines(text);
    if lines.is_empty() {
        return None;
    }
    let i = rng.below(lines.len());
    let j = rng.below(lines.len());
    let note = match rng.below(6) {
        0 => {
            let n = (1 + rng.below(3)).min(lines.len() - i);
            lines.drain(i..i + n);
            format!("{file}: deleted {n} line(s) from line {}", i + 1)
        }
        1 => {
            let line = lines[i].clone();
            lines.insert(j, line);
            format!("{file}: copied line {} before line {}", i + 1, j + 1)
        }
        2 => {
            lines.swap(i, j);
            format!("{file}: swapped lines {} and {}", i + 1, j + 1)
        }
        3 => {
            let line = lines.remove(i);
            lines.insert(j.min(lines.len()), line);
            format!("{file}: moved line {} to line {}", i + 1, j + 1)
        }
        4 => {
            let line = &mut lines[i];
            let body = line.trim_start_matches(' ').to_owned();
            let depth = line.len() - body.len();
            let new = match rng.below(4) {
                0 => " ".repeat(depth + 1 + rng.below(4)),
                1 => " ".repeat(depth.saturating_sub(1 + rng.below(2))),
                2 => format!("\t{}", " ".repeat(depth.saturating_sub(2))),
                _ => String::new(),
            };
            *line = format!("{new}{body}");
            format!("{file}: re-indented line {} to {:?}", i + 1, new)
        }
        _ => {
            // A line of the seed's own vocabulary: `word: word`.
            let line = format!(
                "{}{}: {}\n",
                " ".repeat(2 * rng.below(4)),
                word(words, rng),
                word(words, rng)
            );
            lines.insert(i, line.clone());
            format!("{file}: inserted line {line:?} at line {}", i + 1)
        }
    };
    *text = lines.concat();
    Some(note)
}

/// Edits a query file's annotations and query blocks.
fn sql_mutation(case: &mut Case, rng: &mut Rng) -> Option<String> {
    if case.queries.is_empty() {
        return None;
    }
    let f = rng.below(case.queries.len());
    let file = format!("queries/{}", case.queries[f].0);
    let mut lines = corpus::lines(&case.queries[f].1);
    let blocks = corpus::query_blocks(&lines);
    let &(start, end, ref name) = rng.pick(&blocks)?;
    let note = match rng.below(7) {
        0 => {
            lines.remove(start);
            format!("{file}: dropped the `-- name:` line of `{name}`")
        }
        1 => {
            let card = *rng.pick(CARDINALITIES)?;
            lines[start] = format!("-- name: {name} {card}\n");
            format!("{file}: made `{name}` {card:?}")
        }
        2 | 3 => {
            let kind = *rng.pick(&["param", "column"])?;
            let words: Vec<String> = lines[start..end]
                .iter()
                .flat_map(|l| corpus::words(l).map(|(a, b)| l[a..b].to_owned()))
                .collect();
            let who = rng.pick(&words).cloned().unwrap_or_default();
            let ty = *rng.pick(TYPES)?;
            let line = format!("-- {kind} {who}: {ty}\n");
            lines.insert(start + 1, line.clone());
            format!("{file}: annotated `{name}` with {line:?}")
        }
        4 => {
            let block: Vec<String> = lines[start..end].to_vec();
            let at = rng.below(lines.len() + 1);
            lines.splice(at..at, block);
            format!("{file}: copied query `{name}` to line {}", at + 1)
        }
        5 => {
            lines.drain(start..end);
            format!("{file}: deleted query `{name}`")
        }
        _ => {
            // Into another file: its module, and so its full name, changes.
            let block: String = lines.drain(start..end).collect();
            let g = rng.below(case.queries.len());
            case.queries[g].1.push_str(&block);
            if g != f {
                case.queries[f].1 = lines.concat();
            }
            return Some(format!(
                "{file}: moved query `{name}` to queries/{}",
                case.queries[g].0
            ));
        }
    };
    case.queries[f].1 = lines.concat();
    Some(note)
}

/// Deletes a migration's statement or appends one that changes the schema
/// under the queries.
fn migration_mutation(case: &mut Case, words: &[String], rng: &mut Rng) -> Option<String> {
    if case.migrations.is_empty() {
        return None;
    }
    let f = rng.below(case.migrations.len());
    let (name, text) = &mut case.migrations[f];
    let file = format!("migrations/{name}");
    if rng.chance(40) {
        let ends: Vec<usize> = text.match_indices(';').map(|(i, _)| i + 1).collect();
        let n = rng.below(ends.len());
        let start = if n == 0 { 0 } else { ends[n - 1] };
        let end = *ends.get(n)?;
        text.replace_range(start..end, "");
        return Some(format!(
            "{file}: deleted bytes {start}..{end} (a statement)"
        ));
    }
    // Tables and columns of this schema, found after `CREATE TABLE` and at
    // the start of column lines.
    let tables: Vec<&str> = text
        .split("CREATE TABLE ")
        .skip(1)
        .filter_map(|s| s.split_whitespace().next())
        .collect();
    let columns: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let t = rng
        .pick(&tables)
        .map_or_else(|| word(words, rng), |s| (*s).to_owned());
    let c = rng
        .pick(&columns)
        .map_or_else(|| word(words, rng), |s| (*s).to_owned());
    let x = if rng.chance(50) {
        rng.pick(NAMES)?.to_string()
    } else {
        word(words, rng)
    };
    let statement = rng
        .pick(STATEMENTS)?
        .replace("{t}", &t)
        .replace("{c}", &c)
        .replace("{x}", &x);
    text.push('\n');
    text.push_str(&statement);
    Some(format!("{file}: appended {statement:?}"))
}

/// Deletes, duplicates or swaps YAML blocks, or replaces a scalar value.
fn yaml_mutation(case: &mut Case, words: &[String], rng: &mut Rng) -> Option<String> {
    let mut lines = corpus::lines(&case.spec);
    let depth = 2 * rng.below(4);
    let blocks = corpus::blocks(&lines, depth, 0, lines.len());
    let &(s, e) = rng.pick(&blocks)?;
    let key = lines[s].trim().to_owned();
    let note = match rng.below(4) {
        0 => {
            lines.drain(s..e);
            format!("api.yaml: deleted the block `{key}` (line {})", s + 1)
        }
        1 => {
            let block: Vec<String> = lines[s..e].to_vec();
            lines.splice(e..e, block);
            format!("api.yaml: duplicated the block `{key}` (line {})", s + 1)
        }
        2 => {
            let &(s2, e2) = rng.pick(&blocks)?;
            if s2 == s {
                return None;
            }
            let (first, second) = if s < s2 {
                ((s, e), (s2, e2))
            } else {
                ((s2, e2), (s, e))
            };
            let mut out: Vec<String> = lines[..first.0].to_vec();
            out.extend_from_slice(&lines[second.0..second.1]);
            out.extend_from_slice(&lines[first.1..second.0]);
            out.extend_from_slice(&lines[first.0..first.1]);
            out.extend_from_slice(&lines[second.1..]);
            lines = out;
            format!(
                "api.yaml: swapped the blocks at lines {} and {}",
                s + 1,
                s2 + 1
            )
        }
        _ => {
            // A `key: value` line under the block: a new value.
            let i = s + rng.below(e - s);
            let line = &lines[i];
            let colon = line.find(": ")?;
            let value = if rng.chance(30) {
                edge(rng)
            } else {
                word(words, rng)
            };
            let new = format!("{}: {value}\n", &line[..colon]);
            lines[i] = new;
            format!("api.yaml: set the value of line {} to {value:?}", i + 1)
        }
    };
    case.spec = lines.concat();
    Some(note)
}

/// Renames a word wherever it stands as a whole word, in one file or in all
/// of them: a column renamed in a migration only, or a schema renamed
/// everywhere (so that the code generator meets the new name).
fn rename_everywhere(case: &mut Case, words: &[String], rng: &mut Rng) -> Option<String> {
    let old = rng.pick(words)?.clone();
    let new = if rng.chance(50) {
        rng.pick(NAMES)?.to_string()
    } else {
        word(words, rng)
    };
    let everywhere = rng.chance(60);
    let only = target(case, rng);
    let rename = |text: &mut String| {
        let spans: Vec<(usize, usize)> = corpus::words(text)
            .filter(|&(a, b)| text[a..b] == old)
            .collect();
        for &(a, b) in spans.iter().rev() {
            text.replace_range(a..b, &new);
        }
    };
    if everywhere {
        rename(&mut case.spec);
        case.queries.iter_mut().for_each(|(_, t)| rename(t));
        case.migrations.iter_mut().for_each(|(_, t)| rename(t));
        Some(format!("renamed `{old}` to {new:?} in every file"))
    } else {
        let (text, file) = text(case, only)?;
        rename(text);
        Some(format!("{file}: renamed `{old}` to {new:?}"))
    }
}

/// Renames, drops, empties or adds a file.
fn file_mutation(case: &mut Case, rng: &mut Rng) -> Option<String> {
    let queries = rng.chance(60);
    let files = if queries {
        &mut case.queries
    } else {
        &mut case.migrations
    };
    let dir = if queries { "queries" } else { "migrations" };
    let i = rng.below(files.len());
    match rng.below(4) {
        0 if !files.is_empty() => {
            let new = rng.pick(&[
                "Catalog.sql",
                "self.sql",
                "my-queries.sql",
                "_.sql",
                "0.sql",
                "crate.sql",
                "été.sql",
                "init.sql",
                "0000_first.sql",
                "9999_last.sql",
                ".sql",
            ])?;
            let old = std::mem::replace(&mut files[i].0, (*new).to_owned());
            Some(format!("{dir}/{old}: renamed to {new}"))
        }
        1 if !files.is_empty() => {
            let (old, _) = files.remove(i);
            Some(format!("{dir}/{old}: deleted"))
        }
        2 if !files.is_empty() => {
            files[i].1.clear();
            Some(format!("{dir}/{}: emptied", files[i].0))
        }
        _ => {
            let copy = files.get(i).map(|f| f.1.clone()).unwrap_or_default();
            let name = if queries {
                "extra.sql"
            } else {
                "0500_extra.sql"
            };
            files.push((name.to_owned(), copy));
            Some(format!("{dir}/{name}: added, a copy of file {i}"))
        }
    }
}
