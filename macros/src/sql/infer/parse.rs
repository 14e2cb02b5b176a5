//! Parsing with `sqlparser`, and what its SQLite dialect does not accept.

use sqlparser::ast::Statement;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Parses SQLite SQL, or `None` if `sqlparser` cannot.
///
/// SQLite's `WITH x AS [NOT] MATERIALIZED (...)` hints, which `sqlparser`'s
/// SQLite dialect does not accept, are blanked first: they tell SQLite how
/// to plan, not what a column holds. Blanking with spaces keeps every line
/// and column, so locations still point into the query as written.
pub(super) fn parse(sql: &str) -> Option<Vec<Statement>> {
    let hinted = sql.to_ascii_uppercase().contains("MATERIALIZED");
    let text = if hinted {
        std::borrow::Cow::Owned(without_materialization_hints(sql)?)
    } else {
        std::borrow::Cow::Borrowed(sql)
    };
    Parser::parse_sql(&SQLiteDialect {}, &text).ok()
}

pub(super) fn without_materialization_hints(sql: &str) -> Option<String> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&SQLiteDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let keyword = |i: usize, k: Keyword| {
        words
            .get(i)
            .is_some_and(|t| matches!(&t.token, Token::Word(w) if w.keyword == k))
    };
    // Byte offset of each line's start, to turn (line, column) into bytes.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let skip = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(start + sql[start..].char_indices().nth(skip)?.0)
    };
    let mut out = sql.to_owned().into_bytes();
    for i in 0..words.len() {
        if !keyword(i, Keyword::AS) {
            continue;
        }
        let hint = if keyword(i + 1, Keyword::MATERIALIZED) {
            i + 1..i + 2
        } else if keyword(i + 1, Keyword::NOT) && keyword(i + 2, Keyword::MATERIALIZED) {
            i + 1..i + 3
        } else {
            continue;
        };
        if !matches!(words.get(hint.end).map(|t| &t.token), Some(Token::LParen)) {
            continue;
        }
        for word in &words[hint] {
            let from = offset(word.span.start.line, word.span.start.column)?;
            let to = offset(word.span.end.line, word.span.end.column)?;
            out.get_mut(from..to)?.fill(b' ');
        }
    }
    String::from_utf8(out).ok()
}
