//! Annotated SQL files: `app/queries/*.sql` split into named queries.
//!
//! ```sql
//! -- name: get_product :optional
//! -- One product with its category.
//! -- param product_id: integer
//! SELECT p.id, p.name FROM products p WHERE p.id = :product_id;
//! ```
//!
//! The `-- name:` line gives the query's name and cardinality (`:one`,
//! `:optional`, `:many` or `:exec`). The comment lines right after it are
//! type annotations (`-- param name: type`, `-- column name: type`) or the
//! query's documentation. The SQL itself stays plain SQL.

pub mod analyze;
pub mod infer;
pub mod lex;

use std::rc::Rc;

use crate::diag::{Diagnostics, LineIndex, Loc};
use crate::names;
use crate::spec::Spanned;
use lex::Token;

/// How many rows a query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// Exactly one row.
    One,
    /// Zero or one row.
    Optional,
    /// Any number of rows.
    Many,
    /// No rows; the number of rows changed.
    Exec,
}

impl Cardinality {
    const ALL: &'static [(&'static str, Cardinality)] = &[
        ("one", Cardinality::One),
        ("optional", Cardinality::Optional),
        ("many", Cardinality::Many),
        ("exec", Cardinality::Exec),
    ];

    /// The annotation spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Cardinality::One => ":one",
            Cardinality::Optional => ":optional",
            Cardinality::Many => ":many",
            Cardinality::Exec => ":exec",
        }
    }
}

/// A type written in an annotation: `integer`, `string?`, `OrderStatus`.
#[derive(Debug, Clone)]
pub struct TypeAnnotation {
    /// The type's name.
    pub name: String,
    /// Whether it ends in `?`.
    pub nullable: bool,
    /// Where it was written.
    pub loc: Loc,
}

/// One named query.
#[derive(Debug, Clone)]
pub struct Query {
    /// `file.name`.
    pub full_name: String,
    /// The file's stem.
    pub module: String,
    /// The name.
    pub name: Spanned<String>,
    /// Declared cardinality.
    pub cardinality: Cardinality,
    /// Documentation lines.
    pub doc: Option<String>,
    /// The SQL as written, without a trailing `;`.
    pub text: String,
    /// The SQL sent to the database: parameters rewritten to `?N`, since D1
    /// binds by position only.
    pub rewritten: String,
    /// Named parameters in order of first appearance (`?1`, `?2`, ...).
    pub params: Vec<Spanned<String>>,
    /// `-- param` annotations.
    pub param_types: Vec<(Spanned<String>, TypeAnnotation)>,
    /// `-- column` annotations.
    pub column_types: Vec<(Spanned<String>, TypeAnnotation)>,
    /// Byte offset of the SQL in its file.
    pub offset: usize,
    /// The file's line index, for locating SQLite's errors.
    pub lines: Rc<LineIndex>,
}

impl Query {
    /// The location of byte `offset` of the query's SQL.
    pub fn loc_at(&self, offset: usize) -> Loc {
        self.lines.loc(self.offset + offset)
    }

    /// The location of a 1-based line and column of the query's SQL (as
    /// `sqlparser` reports them); the query's start for `(0, 0)`.
    pub fn loc_at_line_col(&self, (line, col): (u64, u64)) -> Loc {
        let (Ok(line), Ok(col)) = (usize::try_from(line), usize::try_from(col)) else {
            return self.name.loc.clone();
        };
        if line == 0 {
            return self.name.loc.clone();
        }
        // Line 1 of the query is where the query starts in its file.
        let (first_line, first_col) = self.lines.line_col(self.offset);
        let col = if line == 1 {
            first_col + col.saturating_sub(1)
        } else {
            col
        };
        match self.lines.offset(first_line + line - 1, col) {
            Some(at) if at <= self.offset + self.text.len() => self.lines.loc(at),
            _ => self.name.loc.clone(),
        }
    }
}

/// Splits one `.sql` file into its queries.
pub fn parse_file(module: &str, file: Rc<str>, text: &str, d: &mut Diagnostics) -> Vec<Query> {
    let lines = Rc::new(LineIndex::new(Rc::clone(&file), text));
    // Byte offsets of each line, with the line's text.
    let mut line_spans = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        line_spans.push((pos, line));
        pos += line.len();
    }
    let headers: Vec<usize> = line_spans
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| annotation(l).is_some_and(|a| a.starts_with("name:")))
        .map(|(i, _)| i)
        .collect();
    let first_header_offset = headers.first().map_or(text.len(), |&i| line_spans[i].0);
    if has_code(&text[..first_header_offset]) {
        d.error_help(
            &lines.loc(first_code_offset(&text[..first_header_offset])),
            "SQL before the first `-- name:` annotation",
            "start each query with a line like `-- name: get_product :optional`",
        );
    }
    if headers.is_empty() && !has_code(text) {
        d.error_help(
            &Loc::file_start(&file),
            "this file has no queries",
            "add a query starting with `-- name: my_query :many`, or delete the file",
        );
    }
    let mut out = Vec::new();
    for (n, &h) in headers.iter().enumerate() {
        let end_line = headers.get(n + 1).copied().unwrap_or(line_spans.len());
        if let Some(q) = parse_query(module, &lines, &line_spans[h..end_line], text.len(), d) {
            if let Some(prev) = out.iter().find(|p: &&Query| p.name.value == q.name.value) {
                d.error(
                    &q.name.loc,
                    format!(
                        "query `{}` is defined twice (first at {})",
                        q.full_name, prev.name.loc
                    ),
                );
                continue;
            }
            out.push(q);
        }
    }
    out
}

fn annotation(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix("--").map(str::trim)
}

fn has_code(text: &str) -> bool {
    lex::lex(text)
        .iter()
        .any(|l| !matches!(l.token, Token::Trivia))
}

fn first_code_offset(text: &str) -> usize {
    lex::lex(text)
        .iter()
        .find(|l| !matches!(l.token, Token::Trivia))
        .map_or(0, |l| l.start)
}

fn parse_query(
    module: &str,
    lines: &Rc<LineIndex>,
    block: &[(usize, &str)],
    file_len: usize,
    d: &mut Diagnostics,
) -> Option<Query> {
    let (header_offset, header) = block[0];
    let header_loc = lines.loc(header_offset + header.len() - header.trim_start().len());
    let spec = annotation(header)
        .and_then(|a| a.strip_prefix("name:"))
        .unwrap_or("")
        .trim();
    let mut parts = spec.split_whitespace();
    let (Some(name), Some(card), None) = (parts.next(), parts.next(), parts.next()) else {
        d.error_help(&header_loc, "malformed query annotation", "write it as `-- name: get_product :optional` (the name, then :one, :optional, :many or :exec)");
        return None;
    };
    // Byte offsets of the name and the cardinality within the header line:
    // after `name:`, the first and second whitespace-separated words.
    let words_start = header.find("name:").map_or(0, |i| i + "name:".len());
    let words = word_offsets(&header[words_start..]);
    let name_at = words_start + words.first().copied().unwrap_or(0);
    let card_at = words_start + words.get(1).copied().unwrap_or(0);
    let name_loc = lines.loc(header_offset + name_at);
    if let Some(message) = names::unusable(name) {
        d.error(&name_loc, message);
    } else if !names::is_snake_case(name) {
        d.error_help(
            &name_loc,
            format!("query name `{name}` must be snake_case"),
            format!("rename it to `{}`", names::to_snake_case(name)),
        );
    }
    let card_loc = lines.loc(header_offset + card_at);
    let cardinality = match Cardinality::ALL
        .iter()
        .find(|(n, _)| card.strip_prefix(':') == Some(n))
    {
        Some((_, c)) => *c,
        None => {
            d.error_suggest(
                &card_loc,
                format!(
                    "unknown cardinality `{card}`; expected `:one`, `:optional`, `:many` or `:exec`"
                ),
                card,
                [":one", ":optional", ":many", ":exec"],
            );
            return None;
        }
    };

    let mut doc = Vec::new();
    let mut param_types = Vec::new();
    let mut column_types = Vec::new();
    let mut body_start = block.len();
    for (i, (offset, line)) in block.iter().enumerate().skip(1) {
        let Some(text) = annotation(line) else {
            body_start = i;
            break;
        };
        let lead = line.len() - line.trim_start().len()
            + 2
            + (line.trim_start()[2..].len() - line.trim_start()[2..].trim_start().len());
        let loc = lines.loc(offset + lead);
        if let Some(rest) = text.strip_prefix("param ") {
            if let Some(pair) =
                type_annotation(rest, &loc, offset + lead + "param ".len(), lines, d)
            {
                param_types.push(pair);
            }
        } else if let Some(rest) = text.strip_prefix("column ") {
            if let Some(pair) =
                type_annotation(rest, &loc, offset + lead + "column ".len(), lines, d)
            {
                column_types.push(pair);
            }
        } else {
            doc.push(text.to_owned());
        }
    }
    let body_offset = block.get(body_start).map_or(file_len, |(o, _)| *o);
    let raw_body: String = block[body_start.min(block.len())..]
        .iter()
        .map(|(_, l)| *l)
        .collect();
    let full_name = format!("{module}.{name}");

    // Trim trailing whitespace, comments and one `;`; refuse a second statement.
    let lexemes = lex::lex(&raw_body);
    let code: Vec<&lex::Lexeme> = lexemes
        .iter()
        .filter(|l| !matches!(l.token, Token::Trivia))
        .collect();
    let Some(first) = code.first() else {
        d.error(&header_loc, format!("query `{full_name}` has no SQL"));
        return None;
    };
    let lead = first.start;
    let mut end = code.last().map_or(raw_body.len(), |l| l.end);
    if let Some(semi) = code.iter().position(|l| l.token == Token::Semicolon) {
        if semi + 1 < code.len() {
            d.error_help(
                &lines.loc(body_offset + code[semi + 1].start),
                format!("query `{full_name}` has more than one statement"),
                "give each statement its own `-- name:`; an endpoint that lists several queries runs them in one batch",
            );
            return None;
        }
        end = code[semi].start;
    }
    let text = raw_body[lead..end].trim_end().to_owned();
    let what = format!("query `{full_name}`");
    check_d1_statement(&text, &what, |at| lines.loc(body_offset + lead + at), d);

    let mut params: Vec<Spanned<String>> = Vec::new();
    let mut rewritten = String::with_capacity(text.len());
    let mut copied = 0;
    for lx in lex::lex(&text) {
        match &lx.token {
            Token::Param(p) => {
                let index = match params.iter().position(|q| &q.value == p) {
                    Some(i) => i,
                    None => {
                        params.push(Spanned::new(p.clone(), lines.loc(body_offset + lead + lx.start)));
                        params.len() - 1
                    }
                };
                rewritten.push_str(&text[copied..lx.start]);
                rewritten.push_str(&format!("?{}", index + 1));
                copied = lx.end;
                if let Some(message) = names::unusable(p) {
                    d.error(&lines.loc(body_offset + lead + lx.start), message);
                } else if !names::is_snake_case(p) {
                    d.error(&lines.loc(body_offset + lead + lx.start), format!("parameter `:{p}` must be snake_case"));
                }
            }
            Token::OtherParam(p) => d.error_help(
                &lines.loc(body_offset + lead + lx.start),
                format!("parameter `{p}` is not supported"),
                "use named parameters like `:product_id`; they are bound by name from the endpoint's inputs",
            ),
            _ => {}
        }
    }
    rewritten.push_str(&text[copied..]);
    if let Some(extra) = params.get(D1_MAX_PARAMS) {
        d.error_help(
            &extra.loc,
            format!(
                "query `{full_name}` binds {} parameters; D1 binds at most {D1_MAX_PARAMS} per statement",
                params.len()
            ),
            "pass a list as one JSON parameter and read it with `json_each(:items)`",
        );
    }

    Some(Query {
        full_name,
        module: module.to_owned(),
        name: Spanned::new(name.to_owned(), name_loc),
        cardinality,
        doc: (!doc.is_empty()).then(|| doc.join("\n")),
        text,
        rewritten,
        params,
        param_types,
        column_types,
        offset: body_offset + lead,
        lines: Rc::clone(lines),
    })
}

/// Byte offsets where each whitespace-separated word of `text` starts.
fn word_offsets(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            in_word = true;
            out.push(i);
        }
    }
    out
}

fn type_annotation(
    rest: &str,
    loc: &Loc,
    offset: usize,
    lines: &Rc<LineIndex>,
    d: &mut Diagnostics,
) -> Option<(Spanned<String>, TypeAnnotation)> {
    let Some((name, ty)) = rest.split_once(':') else {
        d.error_help(
            loc,
            "malformed type annotation",
            "write it as `-- param product_id: integer` or `-- column total: integer?`",
        );
        return None;
    };
    let name_at = name.len() - name.trim_start().len();
    let type_at = rest.len() - ty.len() + (ty.len() - ty.trim_start().len());
    let name = name.trim();
    // A trailing `-- comment` explains the annotation.
    let ty = ty.split("--").next().unwrap_or_default().trim();
    let (base, nullable) = match ty.strip_suffix('?') {
        Some(base) => (base.trim(), true),
        None => (ty, false),
    };
    if !names::is_snake_case(name) || base.is_empty() || base.contains(char::is_whitespace) {
        d.error_help(
            loc,
            "malformed type annotation",
            "write it as `-- param product_id: integer` or `-- column total: integer?`",
        );
        return None;
    }
    let type_offset = offset + type_at;
    Some((
        Spanned::new(name.to_owned(), lines.loc(offset + name_at)),
        TypeAnnotation {
            name: base.to_owned(),
            nullable,
            loc: lines.loc(type_offset),
        },
    ))
}

/// Whether `sql` has a `LEFT`, `RIGHT` or `FULL` join, whose columns may be
/// NULL whatever their table declares.
pub fn has_outer_join(sql: &str) -> bool {
    let words: Vec<String> = lex::lex(sql)
        .into_iter()
        .filter_map(|l| match l.token {
            Token::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    words.windows(2).any(|pair| {
        matches!(pair[0].as_str(), "LEFT" | "RIGHT" | "FULL")
            && matches!(pair[1].as_str(), "JOIN" | "OUTER")
    })
}

/// D1 binds at most this many parameters per statement.
pub const D1_MAX_PARAMS: usize = 100;

/// D1 accepts at most this many bytes of SQL per statement.
pub const D1_MAX_SQL_BYTES: usize = 100_000;

/// Checks one statement against what D1 refuses whatever the schema: an
/// explicit transaction, and SQL longer than D1 accepts. `loc` locates a
/// byte offset of `text`.
pub fn check_d1_statement(text: &str, what: &str, loc: impl Fn(usize) -> Loc, d: &mut Diagnostics) {
    let first = lex::lex(text)
        .into_iter()
        .find(|l| !matches!(l.token, Token::Trivia));
    if let Some(lex::Lexeme {
        token: Token::Word(word),
        start,
        ..
    }) = first
    {
        let upper = word.to_ascii_uppercase();
        if ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"].contains(&upper.as_str())
        {
            d.error_help(
                &loc(start),
                format!("{what} is a `{upper}`: D1 refuses explicit transactions"),
                "D1 runs a batch of statements as one transaction, all or nothing: an endpoint's queries are sent as one batch, and each migration file is applied as one",
            );
        }
    }
    if text.len() > D1_MAX_SQL_BYTES {
        d.error_help(
            &loc(0),
            format!(
                "{what} is {} bytes of SQL; D1 accepts at most {D1_MAX_SQL_BYTES} bytes per statement",
                text.len()
            ),
            "split it into smaller statements, or move data into a table the statement reads",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Query>, Vec<String>) {
        let mut d = Diagnostics::default();
        let q = parse_file("catalog", Rc::from("app/queries/catalog.sql"), text, &mut d);
        (q, d.into_vec().into_iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn splits_queries_and_rewrites_parameters() {
        let (queries, errors) = parse(
            "-- name: get_product :optional\n-- One product.\n-- param product_id: integer\nSELECT id FROM products\nWHERE id = :product_id OR parent = :product_id AND x = ':no';\n\n-- name: count :one\nSELECT count(*) AS n FROM products\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(queries.len(), 2);
        let q = &queries[0];
        assert_eq!(q.full_name, "catalog.get_product");
        assert_eq!(q.cardinality, Cardinality::Optional);
        assert_eq!(q.doc.as_deref(), Some("One product."));
        assert_eq!(
            q.rewritten,
            "SELECT id FROM products\nWHERE id = ?1 OR parent = ?1 AND x = ':no'"
        );
        assert_eq!(q.params[0].loc.to_string(), "app/queries/catalog.sql:5:12");
        assert_eq!(q.param_types[0].1.name, "integer");
        assert_eq!(queries[1].text, "SELECT count(*) AS n FROM products");
    }

    #[test]
    fn locations_do_not_confuse_names_with_the_annotation() {
        let (_, errors) = parse(
            "-- name: me :sometimes\nSELECT 1 AS x\n-- name: q :one\n-- column string: sting\nSELECT 1 AS string\n",
        );
        assert_eq!(
            errors[0],
            "app/queries/catalog.sql:1:13: unknown cardinality `:sometimes`; expected `:one`, `:optional`, `:many` or `:exec`"
        );
        let (queries, _) =
            parse("-- name: name :one\n-- column string: string\nSELECT 1 AS string\n");
        assert_eq!(
            queries[0].name.loc.to_string(),
            "app/queries/catalog.sql:1:10"
        );
        assert_eq!(
            queries[0].column_types[0].0.loc.to_string(),
            "app/queries/catalog.sql:2:11"
        );
        assert_eq!(
            queries[0].column_types[0].1.loc.to_string(),
            "app/queries/catalog.sql:2:19"
        );
    }

    #[test]
    fn reports_located_mistakes() {
        let (_, errors) = parse(
            "SELECT 1;\n-- name: a :several\nSELECT 1\n-- name: b :one\nSELECT 1; SELECT 2\n-- name: c :one\nSELECT ?\n",
        );
        assert_eq!(
            errors,
            vec![
                "app/queries/catalog.sql:1:1: SQL before the first `-- name:` annotation\n  help: start each query with a line like `-- name: get_product :optional`",
                "app/queries/catalog.sql:2:12: unknown cardinality `:several`; expected `:one`, `:optional`, `:many` or `:exec`",
                "app/queries/catalog.sql:5:11: query `catalog.b` has more than one statement\n  help: give each statement its own `-- name:`; an endpoint that lists several queries runs them in one batch",
                "app/queries/catalog.sql:7:8: parameter `?` is not supported\n  help: use named parameters like `:product_id`; they are bound by name from the endpoint's inputs",
            ]
        );
    }
}
