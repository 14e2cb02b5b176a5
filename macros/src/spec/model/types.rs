//! Schemas, types, constraints and the values of fields and parameters.

use super::Spanned;
use crate::diag::Loc;

/// A named schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// PascalCase name; also the Rust type's name.
    pub name: Spanned<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// Object or enum.
    pub kind: SchemaKind,
}

/// What a schema is.
#[derive(Debug, Clone)]
pub enum SchemaKind {
    /// An object with fields.
    Object(Vec<Field>),
    /// A string enum.
    Enum(Vec<Spanned<String>>),
}

/// A type as written in the spec.
#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The type.
    pub kind: TypeKind,
    /// Where it was written.
    pub loc: Loc,
}

/// The types a field or parameter can have.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// `integer` (`int64` unless `format: int32`).
    Integer {
        /// `format: int32`.
        int32: bool,
    },
    /// `number`.
    Number,
    /// `string`, optionally with a format.
    String {
        /// `format:`.
        format: Option<StringFormat>,
    },
    /// `boolean`.
    Boolean,
    /// `array` of `items`.
    Array(Box<TypeRef>),
    /// A string enum written inline (`type: string, enum: [...]`).
    InlineEnum(Vec<Spanned<String>>),
    /// A named schema.
    Named(String),
}

/// String formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFormat {
    /// `date-time`.
    DateTime,
    /// `date`.
    Date,
    /// `email`.
    Email,
    /// `uuid`.
    Uuid,
}

impl StringFormat {
    /// Every format, with its spec name.
    pub const ALL: &'static [(&'static str, StringFormat)] = &[
        ("date-time", StringFormat::DateTime),
        ("date", StringFormat::Date),
        ("email", StringFormat::Email),
        ("uuid", StringFormat::Uuid),
    ];
}

/// Constraints on a value.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// `minimum:`.
    pub minimum: Option<Spanned<f64>>,
    /// `maximum:`.
    pub maximum: Option<Spanned<f64>>,
    /// `minLength:`.
    pub min_length: Option<Spanned<u64>>,
    /// `maxLength:`.
    pub max_length: Option<Spanned<u64>>,
    /// `pattern:`.
    pub pattern: Option<Spanned<String>>,
    /// `minItems:`.
    pub min_items: Option<Spanned<u64>>,
    /// `maxItems:`.
    pub max_items: Option<Spanned<u64>>,
}

/// What fields and parameters have in common.
#[derive(Debug, Clone)]
pub struct ValueSpec {
    /// The type.
    pub ty: TypeRef,
    /// Whether `null` is a value.
    pub nullable: bool,
    /// Constraints.
    pub rules: Rules,
    /// Markdown description.
    pub description: Option<String>,
    /// An example value, where it is written (the build holds it to the
    /// value's schema in the document).
    pub example: Option<super::Sample>,
    /// The value used when the input is absent: the scalar as written, or
    /// `None` when a list or mapping was written (which no parameter takes).
    pub default: Option<Spanned<Option<Scalar>>>,
}

/// A YAML scalar as written: its text, and whether YAML lets it be read as
/// a number or boolean (a quoted one is only ever a string).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The text.
    pub text: String,
    /// Whether it was written unquoted.
    pub coercible: bool,
}

impl Scalar {
    /// The scalar as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        self.coercible.then(|| self.text.parse().ok()).flatten()
    }

    /// The scalar as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.coercible.then(|| self.text.parse().ok()).flatten()
    }

    /// The scalar as a boolean, if it is one (`true`, `True`, `TRUE`, and
    /// the same for false).
    pub fn as_bool(&self) -> Option<bool> {
        match (self.coercible, self.text.as_str()) {
            (true, "true" | "True" | "TRUE") => Some(true),
            (true, "false" | "False" | "FALSE") => Some(false),
            _ => None,
        }
    }
}

/// A field of an object schema.
#[derive(Debug, Clone)]
pub struct Field {
    /// snake_case name; also the JSON key and the Rust field.
    pub name: Spanned<String>,
    /// Whether the key may be absent.
    pub optional: bool,
    /// Type, constraints, docs.
    pub spec: ValueSpec,
}
