//! The storage classes and nullability a column or parameter is inferred
//! to have, and what inference returns.

/// A storage class, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// `INTEGER` (booleans too: comparisons give 0 or 1).
    Integer,
    /// `REAL`.
    Real,
    /// `TEXT`.
    Text,
    /// `BLOB`.
    Blob,
    /// Not known, or varying.
    Unknown,
}

impl SqlType {
    /// SQLite's affinity rules for a declared type.
    pub fn from_decl(decl: &str) -> SqlType {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            SqlType::Integer
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            SqlType::Text
        } else if d.contains("BLOB") {
            SqlType::Blob
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            SqlType::Real
        } else if d.contains("BOOL") {
            // NUMERIC affinity; booleans are stored as 0 and 1.
            SqlType::Integer
        } else {
            // No declared type (values stay as stored) or NUMERIC affinity
            // (`DATE`, `DATETIME`, `DECIMAL`: text or numbers, by value).
            SqlType::Unknown
        }
    }

    /// The name in messages.
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
            SqlType::Unknown => "of unknown type",
        }
    }

    pub(super) fn merge(self, other: SqlType) -> SqlType {
        match (self, other) {
            (a, b) if a == b => a,
            (SqlType::Integer, SqlType::Real) | (SqlType::Real, SqlType::Integer) => SqlType::Real,
            _ => SqlType::Unknown,
        }
    }
}

/// A value's type, whether it can be NULL, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The storage class.
    pub ty: SqlType,
    /// Whether it can be NULL.
    pub nullable: bool,
    /// Why it can be NULL, for messages.
    pub why: Option<String>,
}

impl Typed {
    pub(super) fn new(ty: SqlType, nullable: bool) -> Self {
        Typed {
            ty,
            nullable,
            why: None,
        }
    }

    pub(super) fn unknown() -> Self {
        Typed {
            ty: SqlType::Unknown,
            nullable: true,
            why: None,
        }
    }

    pub(super) fn nullable_because(mut self, why: impl Into<String>) -> Self {
        if !self.nullable || self.why.is_none() {
            self.why = Some(why.into());
        }
        self.nullable = true;
        self
    }
}

/// A result column: its type, and where its expression starts in the query
/// (1-based line and column of the query text).
#[derive(Debug, Clone)]
pub struct ColumnType {
    /// Its name in the result, as SQLite names it.
    pub name: String,
    /// Type and nullability.
    pub typed: Typed,
    /// Where it is written.
    pub at: (u64, u64),
}

/// What a parameter is used as.
#[derive(Debug, Clone)]
pub struct ParamUse {
    /// The type it takes from its use.
    pub ty: SqlType,
    /// What it meets, for messages (`the INTEGER column products.id`).
    pub against: String,
    /// Where the use is (line and column in the query text).
    pub at: (u64, u64),
}

/// Everything inferred about one query.
#[derive(Debug, Clone, Default)]
pub struct Inferred {
    /// Result columns, in order.
    pub columns: Vec<ColumnType>,
    /// Typed uses of each parameter (by name, without `:`).
    pub params: Vec<(String, ParamUse)>,
}
