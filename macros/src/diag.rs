//! Diagnostics: every mistake found in the spec, the SQL or the migrations,
//! collected so that one build reports all of them.
//!
//! YAML and SQL carry no Rust spans, so each message starts with the user's
//! own file and position (`api.yaml:12:7: ...`), says what was expected, and
//! ends with a `help:` line where a fix is known.

use std::fmt;
use std::rc::Rc;

/// A position in one of the user's files, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file, relative to the workspace root (`api.yaml`,
    /// `app/queries/catalog.sql`).
    pub file: Rc<str>,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

impl Loc {
    /// A position.
    pub fn new(file: &Rc<str>, line: usize, col: usize) -> Self {
        Loc {
            file: Rc::clone(file),
            line: line.max(1),
            col: col.max(1),
        }
    }

    /// The start of `file`.
    pub fn file_start(file: &Rc<str>) -> Self {
        Loc::new(file, 1, 1)
    }
}

/// Lines and columns of a text: the one conversion between byte offsets
/// and the 1-based line and column (in characters) that messages show and
/// tools (`sqlparser`, the compiler) report.
#[derive(Debug)]
pub struct LineIndex {
    /// The file the text is, for [`LineIndex::loc`].
    file: Rc<str>,
    text: String,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`, the contents of `file`.
    pub fn new(file: Rc<str>, text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            file,
            text: text.to_owned(),
            starts,
        }
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// The byte offset of `line` and `col`; a column past the end of its
    /// line is the end of the line (after its newline). `None` for a line
    /// the text does not have.
    pub fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        let chars: usize = self.text[start..end]
            .chars()
            .take(col.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        Some(start + chars)
    }

    /// The location of byte `offset`.
    pub fn loc(&self, offset: usize) -> Loc {
        let (line, col) = self.line_col(offset);
        Loc::new(&self.file, line, col)
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where.
    pub loc: Loc,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it, when known.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The errors found so far.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether an error was recorded at `loc` already.
    pub fn reported_at(&self, loc: &Loc) -> bool {
        self.list.iter().any(|d| d.loc == *loc)
    }

    /// Records an error.
    pub fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        self.list.push(Diagnostic {
            loc: loc.clone(),
            message: message.into(),
            help: None,
        });
    }

    /// Records an error with a suggested fix.
    pub fn error_help(&mut self, loc: &Loc, message: impl Into<String>, help: impl Into<String>) {
        self.list.push(Diagnostic {
            loc: loc.clone(),
            message: message.into(),
            help: Some(help.into()),
        });
    }

    /// Records an error whose help is a did-you-mean, if a close candidate
    /// exists.
    pub fn error_suggest<'a>(
        &mut self,
        loc: &Loc,
        message: impl Into<String>,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) {
        let help =
            crate::names::did_you_mean(wrong, candidates).map(|s| format!("did you mean `{s}`?"));
        self.list.push(Diagnostic {
            loc: loc.clone(),
            message: message.into(),
            help,
        });
    }

    /// Records the errors of `other`, after those recorded so far.
    pub fn append(&mut self, other: &Diagnostics) {
        self.list.extend(other.list.iter().cloned());
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.list.is_empty()
    }

    /// How many errors were recorded.
    pub fn count(&self) -> usize {
        self.list.len()
    }

    /// The errors, in the order found, without duplicates.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = Vec::with_capacity(self.list.len());
        for d in self.list {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_lines_and_columns_convert_both_ways() {
        let text = "SELECT 1;\n-- é\nSELECT é, 2\n";
        let lines = LineIndex::new(Rc::from("q.sql"), text);
        for (offset, line_col) in [
            (0, (1, 1)),
            (7, (1, 8)),
            (10, (2, 1)),
            (13, (2, 4)),
            (16, (3, 1)),
            (23, (3, 8)),
            (25, (3, 9)),
        ] {
            assert_eq!(lines.line_col(offset), line_col, "offset {offset}");
            assert_eq!(
                lines.offset(line_col.0, line_col.1),
                Some(offset),
                "{line_col:?}"
            );
        }
        assert_eq!(lines.loc(13).to_string(), "q.sql:2:4");
        // Past the end of a line is the end of that line; past the last
        // line is nothing; past the text is its end.
        assert_eq!(lines.offset(1, 99), Some(10));
        assert_eq!(lines.offset(5, 1), None);
        assert_eq!(lines.offset(0, 1), None);
        assert_eq!(lines.line_col(999), (4, 1));
    }
}
