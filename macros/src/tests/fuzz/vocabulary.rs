//! What the mutations draw from besides the seeds' own words: a seeded
//! PRNG, values at the edges of what the parsers expect, and the
//! annotations, names and statements structure-aware mutations insert.

/// SplitMix64: tiny, fast, and the same sequence everywhere for a seed.
pub(super) struct Rng(u64);

impl Rng {
    /// The generator of case `n` of the run seeded `seed`: a case depends
    /// on nothing else, so it can be replayed alone.
    pub fn for_case(seed: u64, n: u64) -> Self {
        let mut rng = Rng(seed);
        let mixed = rng.next() ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03);
        Rng(mixed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }
}

/// Numbers at the edges of what the parsers and checks expect.
pub(super) const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "1e308",
    "1e999",
    "-0",
    "0.5",
];

/// Other values at the edges of what the parsers and checks expect.
pub(super) const EDGES: &[&str] = &[
    ".nan",
    ".inf",
    "",
    " ",
    "\t",
    "\r\n",
    "\u{0}",
    "\u{feff}",
    "\u{200b}",
    "été",
    "日本語",
    "🦀",
    "null",
    "~",
    "true",
    "no",
    "'",
    "\"",
    "{}",
    "[]",
    "{",
    "]",
    "- ",
    ": ",
    "#",
    "&a",
    "*a",
    "!!binary",
    "|",
    ">-",
    "%",
    "@",
    "`",
    "\\",
    "?",
    "$1",
    "?1",
    ":",
    "--",
    "/*",
    ";",
    ",",
    "(",
    ")",
    "self",
    "Self",
    "type",
    "crate",
    "super",
    "r#type",
    "_",
    "__",
    "1abc",
    "a-b",
    "A",
    "CamelCase",
    "async",
    "fn",
    "Option",
    "String",
    "Vec",
    "i64",
    "Result",
    "Api",
    "Error",
    "std",
    "keel",
];

/// Spellings a `-- name:` line's cardinality may have.
pub(super) const CARDINALITIES: &[&str] = &[
    ":one",
    ":many",
    ":optional",
    ":exec",
    ":",
    "one",
    ":ONE",
    ":many :one",
    "",
];

/// Types an annotation may name.
pub(super) const TYPES: &[&str] = &[
    "integer",
    "number",
    "string",
    "boolean",
    "integer?",
    "string?",
    "boolean?",
    "int",
    "",
    "array",
    "object",
    "[integer]",
    "OrderStatus",
    "Money",
    "?",
];

/// Identifiers a consistent rename may introduce.
pub(super) const NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "r#ref",
    "_",
    "__x",
    "x1",
    "Id",
    "ID",
    "été",
    "a_b_",
    "1st",
    "async",
    "match",
    "None",
    "Some",
    "String",
    "limit",
    "after_id",
    "auth_sub",
    "auth_role",
    "rowid",
    "oid",
];

/// Statements a mutation appends to a migration (`{t}`, `{c}` and `{x}` are
/// a table, a column and a new name).
pub(super) const STATEMENTS: &[&str] = &[
    "ALTER TABLE {t} DROP COLUMN {c};",
    "ALTER TABLE {t} RENAME COLUMN {c} TO {x};",
    "ALTER TABLE {t} RENAME TO {x};",
    "ALTER TABLE {t} ADD COLUMN {x} TEXT;",
    "DROP TABLE {t};",
    "DROP VIEW {t};",
    "CREATE VIEW {x} AS SELECT * FROM {t};",
    "CREATE TABLE {x} ({c} INTEGER PRIMARY KEY, {t} BLOB NOT NULL);",
    "CREATE INDEX {x} ON {t} ({c});",
    "INSERT INTO {t} DEFAULT VALUES;",
    "CREATE TEMP TABLE {x} AS SELECT * FROM {t};",
    "BEGIN;",
    "PRAGMA foreign_keys = OFF;",
    "PRAGMA table_info({t});",
    "CREATE TABLE {x} AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 1000) SELECT n FROM c;",
    "SELECT 1;",
    ";",
];
