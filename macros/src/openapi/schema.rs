//! The schemas of values: components for the spec's schemas, properties
//! with the constraints the server enforces, defaults and examples.

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Ref, Schema,
    SchemaFormat, SchemaType, Type,
};

use crate::check::plan::{DefaultValue, FieldPlan, Plan, RulesPlan, Ty, TypePlan};
use crate::spec::StringFormat;

use super::{Docs, MAX_SAFE_INTEGER, Notes};

impl Docs<'_> {
    fn is_declared(&self, name: &str) -> bool {
        self.plan.schemas.iter().any(|s| s == name)
    }

    /// The component of a declared schema.
    pub(super) fn component(&self, ty: &TypePlan) -> Schema {
        match ty {
            TypePlan::Enum {
                variants,
                description,
                ..
            } => ObjectBuilder::new()
                .schema_type(Type::String)
                .description(description.clone())
                .enum_values(Some(variants.iter().map(|(wire, _)| wire.clone())))
                .into(),
            TypePlan::Object {
                name,
                fields,
                description,
            } => {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(description.clone());
                if self.read_from_requests(name) {
                    // The server refuses members a request schema does not declare.
                    object =
                        object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
                }
                self.properties(object, fields, Notes::of).into()
            }
        }
    }

    /// Whether schema `name` is read from a request body, directly or as a
    /// field of one.
    fn read_from_requests(&self, name: &str) -> bool {
        let mut pending: Vec<&str> = self
            .plan
            .endpoints
            .iter()
            .filter_map(|e| e.body.as_deref())
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        while let Some(next) = pending.pop() {
            if next == name {
                return true;
            }
            if seen.contains(&next) {
                continue;
            }
            seen.push(next);
            let fields = self.plan.types.iter().find_map(|t| match t {
                TypePlan::Object {
                    name: n, fields, ..
                } if n == next => Some(fields),
                _ => None,
            });
            for field in fields.into_iter().flatten() {
                let mut ty = &field.ty;
                while let Ty::Vec(inner) = ty {
                    ty = inner;
                }
                if let Ty::Object(inner) | Ty::Enum(inner) = ty {
                    pending.push(inner);
                }
            }
        }
        false
    }

    /// The schema of a value of type `ty`.
    pub(super) fn schema(
        &self,
        ty: &Ty,
        nullable: bool,
        rules: &RulesPlan,
        notes: Notes,
    ) -> RefOr<Schema> {
        let types = |t: Type| -> SchemaType {
            if nullable {
                SchemaType::from_iter([t, Type::Null])
            } else {
                SchemaType::new(t)
            }
        };
        // YAML types a bare `02139` as a number; a string field's example
        // is a string all the same.
        let examples: Vec<Value> = notes
            .example
            .clone()
            .map(|e| match (ty, e) {
                (Ty::Str(_), Value::Number(n)) => Value::String(n.to_string()),
                (Ty::Str(_), Value::Bool(b)) => Value::String(b.to_string()),
                (_, other) => other,
            })
            .into_iter()
            .collect();
        let primitive = |t: Type, format: Option<SchemaFormat>| {
            ObjectBuilder::new()
                .schema_type(types(t))
                .format(format)
                .description(notes.description.clone())
                .examples(examples.clone())
        };
        match ty {
            Ty::I64 | Ty::I32 => {
                let format = if matches!(ty, Ty::I32) {
                    KnownFormat::Int32
                } else {
                    KnownFormat::Int64
                };
                // The bounds the server enforces: int32's, or the integers a
                // JavaScript number (and so D1) carries exactly.
                let (lo, hi) = if matches!(ty, Ty::I32) {
                    (f64::from(i32::MIN), f64::from(i32::MAX))
                } else {
                    (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
                };
                primitive(Type::Integer, Some(SchemaFormat::KnownFormat(format)))
                    .minimum(Some(rules.minimum.unwrap_or(lo).max(lo)))
                    .maximum(Some(rules.maximum.unwrap_or(hi).min(hi)))
                    .build()
                    .into()
            }
            Ty::F64 => primitive(
                Type::Number,
                Some(SchemaFormat::KnownFormat(KnownFormat::Double)),
            )
            .minimum(rules.minimum)
            .maximum(rules.maximum)
            .build()
            .into(),
            Ty::Str(format) => {
                let format = format.map(|f| match f {
                    StringFormat::DateTime => SchemaFormat::KnownFormat(KnownFormat::DateTime),
                    StringFormat::Date => SchemaFormat::KnownFormat(KnownFormat::Date),
                    StringFormat::Email => SchemaFormat::KnownFormat(KnownFormat::Email),
                    StringFormat::Uuid => SchemaFormat::Custom("uuid".to_owned()),
                });
                primitive(Type::String, format)
                    .min_length(rules.min_length.map(|v| v as usize))
                    .max_length(rules.max_length.map(|v| v as usize))
                    .pattern(rules.pattern.clone())
                    .build()
                    .into()
            }
            Ty::Bool => primitive(Type::Boolean, None).build().into(),
            Ty::Any => ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(notes.description)
                .build()
                .into(),
            Ty::Vec(item) => {
                let items = self.schema(item, false, &RulesPlan::default(), Notes::default());
                ArrayBuilder::new()
                    .schema_type(types(Type::Array))
                    .items(items)
                    .min_items(rules.min_items.map(|v| v as usize))
                    .max_items(rules.max_items.map(|v| v as usize))
                    .description(notes.description)
                    .examples(examples)
                    .build()
                    .into()
            }
            Ty::Enum(name) if !self.is_declared(name) => {
                let values = self
                    .plan
                    .types
                    .iter()
                    .find_map(|t| match t {
                        TypePlan::Enum {
                            name: n, variants, ..
                        } if n == name => Some(variants.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let mut wires: Vec<Value> = values
                    .into_iter()
                    .map(|(wire, _)| Value::String(wire))
                    .collect();
                if nullable {
                    wires.push(Value::Null);
                }
                primitive(Type::String, None)
                    .enum_values(Some(wires))
                    .build()
                    .into()
            }
            Ty::Enum(name) | Ty::Object(name) => {
                let reference = Ref::from_schema_name(name);
                if nullable {
                    RefOr::T(Schema::OneOf(
                        OneOfBuilder::new()
                            .item(reference)
                            .item(ObjectBuilder::new().schema_type(Type::Null).build())
                            .description(notes.description)
                            .examples(examples)
                            .build(),
                    ))
                } else {
                    let mut reference = reference;
                    reference.description = notes.description.unwrap_or_default();
                    RefOr::Ref(reference)
                }
            }
        }
    }

    /// Adds `fields` to `object` as properties (required unless optional),
    /// each described by `notes`.
    pub(super) fn properties(
        &self,
        mut object: ObjectBuilder,
        fields: &[FieldPlan],
        notes: impl Fn(&FieldPlan) -> Notes,
    ) -> ObjectBuilder {
        for field in fields {
            object = object.property(
                &field.name,
                self.schema(&field.ty, field.nullable, &field.rules, notes(field)),
            );
            if !field.optional {
                object = object.required(&field.name);
            }
        }
        object
    }
}

pub(super) fn string_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .build()
        .into()
}

pub(super) fn integer_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .build()
        .into()
}

pub(super) fn default_json(value: &DefaultValue, plan: &Plan) -> Value {
    match value {
        DefaultValue::Int(i) => json!(i),
        DefaultValue::Number(f) => json!(f),
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Str(s) => json!(s),
        DefaultValue::Variant(t, v) => plan
            .types
            .iter()
            .find_map(|ty| match ty {
                TypePlan::Enum { name, variants, .. } if name == t => variants
                    .iter()
                    .find(|(_, ident)| ident == v)
                    .map(|(wire, _)| json!(wire)),
                _ => None,
            })
            .unwrap_or(Value::Null),
    }
}
