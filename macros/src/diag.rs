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
