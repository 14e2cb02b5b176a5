//! Resolving the spec's types: named schemas, inline enums, and the SQL
//! annotation types, into [`Ty`] and the list of types to generate.

use std::collections::HashMap;

use super::plan::{FieldPlan, RulesPlan, Ty, TypePlan};
use crate::diag::{Diagnostics, Loc};
use crate::names;
use crate::spec::{Rules, Schema, SchemaKind, TypeKind, TypeRef};

/// The named types of the spec, and those generated on the way.
#[derive(Debug, Default)]
pub struct TypeTable {
    /// Generated types in order.
    pub types: Vec<TypePlan>,
    index: HashMap<String, usize>,
    declared: Vec<(String, Loc)>,
    /// Schemas with a field whose type did not resolve, or that contain
    /// themselves (already reported).
    broken: Vec<String>,
    /// Inline enums generated so far, and where each was written.
    inline: Vec<(String, Loc)>,
}

impl TypeTable {
    /// Registers every schema, then resolves their fields.
    pub fn build(schemas: &[Schema], d: &mut Diagnostics) -> TypeTable {
        let mut table = TypeTable::default();
        for schema in schemas {
            let name = &schema.name.value;
            if let Some((_, first)) = table.declared.iter().find(|(n, _)| n == name) {
                d.error(
                    &schema.name.loc,
                    format!("schema `{name}` is declared twice (first at {first})"),
                );
                continue;
            }
            if crate::openapi::RESERVED_SCHEMAS.contains(&name.as_str()) {
                d.error_help(
                    &schema.name.loc,
                    format!(
                        "schema name `{name}` is taken by the OpenAPI document's error schemas"
                    ),
                    "choose another name",
                );
                continue;
            }
            table.declared.push((name.clone(), schema.name.loc.clone()));
            let plan = match &schema.kind {
                SchemaKind::Enum(values) => TypePlan::Enum {
                    name: name.clone(),
                    description: schema.description.clone(),
                    variants: variants(
                        values.iter().map(|v| (v.value.clone(), v.loc.clone())),
                        name,
                        d,
                    ),
                },
                SchemaKind::Object(_) => TypePlan::Object {
                    name: name.clone(),
                    description: schema.description.clone(),
                    fields: Vec::new(),
                },
            };
            table.push(plan);
        }
        for schema in schemas {
            let SchemaKind::Object(fields) = &schema.kind else {
                continue;
            };
            let mut plans = Vec::new();
            for field in fields {
                let context = format!(
                    "{}{}",
                    schema.name.value,
                    names::to_pascal_case(&field.name.value)
                );
                let what = format!("field `{}.{}`", schema.name.value, field.name.value);
                let Some(ty) = table.resolve(&field.spec.ty, &context, &what, d) else {
                    table.broken.push(schema.name.value.clone());
                    continue;
                };
                plans.push(field_plan(field, ty));
            }
            if let Some(TypePlan::Object { fields, .. }) = table.get_mut(&schema.name.value) {
                *fields = plans;
            }
        }
        table.check_recursion(schemas, d);
        table
    }

    fn push(&mut self, plan: TypePlan) {
        let name = match &plan {
            TypePlan::Object { name, .. } | TypePlan::Enum { name, .. } => name.clone(),
        };
        self.index.insert(name, self.types.len());
        self.types.push(plan);
    }

    /// A generated type by name.
    pub fn get(&self, name: &str) -> Option<&TypePlan> {
        self.index.get(name).map(|&i| &self.types[i])
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut TypePlan> {
        self.index.get(name).map(|&i| &mut self.types[i])
    }

    /// Whether `name`, or a type it contains, has a field whose type is
    /// unknown, or contains itself. Checks against such a type would only
    /// repeat that error.
    pub fn is_broken(&self, name: &str) -> bool {
        let mut seen = Vec::new();
        self.broken_from(name, &mut seen)
    }

    fn broken_from(&self, name: &str, seen: &mut Vec<String>) -> bool {
        if self.broken.iter().any(|b| b == name) {
            return true;
        }
        if seen.iter().any(|s| s == name) {
            return false;
        }
        seen.push(name.to_owned());
        self.fields(name).iter().any(|f| {
            let mut ty = &f.ty;
            while let Ty::Vec(inner) = ty {
                ty = inner;
            }
            matches!(ty, Ty::Object(inner) if self.broken_from(inner, seen))
        })
    }

    /// The fields of object type `name`.
    pub fn fields(&self, name: &str) -> &[FieldPlan] {
        match self.get(name) {
            Some(TypePlan::Object { fields, .. }) => fields,
            _ => &[],
        }
    }

    /// Resolves a written type. Inline enums become a generated type named
    /// `context` (such as `ListProductsSort`).
    pub fn resolve(
        &mut self,
        ty: &TypeRef,
        context: &str,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Ty> {
        Some(match &ty.kind {
            TypeKind::Integer { int32: true } => Ty::I32,
            TypeKind::Integer { int32: false } => Ty::I64,
            TypeKind::Number => Ty::F64,
            TypeKind::String { format } => Ty::Str(*format),
            TypeKind::Boolean => Ty::Bool,
            TypeKind::Array(item) => Ty::Vec(Box::new(self.resolve(
                item,
                &format!("{context}Item"),
                what,
                d,
            )?)),
            TypeKind::InlineEnum(values) => {
                if let Some((_, loc)) = self.declared.iter().find(|(n, _)| n == context) {
                    d.error_help(
                        &ty.loc,
                        format!("{what}: its inline enum would be generated as `{context}`, which is also a schema (at {loc})"),
                        "declare the enum as a named schema and refer to it by name",
                    );
                    return None;
                }
                match self.inline.iter().find(|(n, _)| n == context) {
                    Some((_, first)) if *first != ty.loc => {
                        d.error_help(
                            &ty.loc,
                            format!("{what}: its inline enum would be generated as `{context}`, the name of the inline enum at {first}"),
                            "declare one of the enums as a named schema and refer to it by name",
                        );
                        return None;
                    }
                    Some(_) => {}
                    None => {
                        let variants = variants(
                            values.iter().map(|v| (v.value.clone(), v.loc.clone())),
                            context,
                            d,
                        );
                        self.inline.push((context.to_owned(), ty.loc.clone()));
                        self.push(TypePlan::Enum {
                            name: context.to_owned(),
                            description: None,
                            variants,
                        });
                    }
                }
                Ty::Enum(context.to_owned())
            }
            TypeKind::Named(name) => match self.get(name) {
                Some(TypePlan::Object { .. }) if self.declared.iter().any(|(n, _)| n == name) => {
                    Ty::Object(name.clone())
                }
                Some(TypePlan::Enum { .. }) if self.declared.iter().any(|(n, _)| n == name) => {
                    Ty::Enum(name.clone())
                }
                _ => {
                    let known: Vec<&str> = self.declared.iter().map(|(n, _)| n.as_str()).collect();
                    d.error_suggest(
                        &ty.loc,
                        format!("{what}: unknown schema `{name}`"),
                        name,
                        known,
                    );
                    return None;
                }
            },
        })
    }

    /// Resolves the type of a SQL annotation (`integer`, `string`, `OrderStatus`).
    pub fn resolve_annotation(&self, name: &str, loc: &Loc, d: &mut Diagnostics) -> Option<Ty> {
        Some(match name {
            "integer" | "int64" => Ty::I64,
            "int32" => Ty::I32,
            "number" => Ty::F64,
            "string" => Ty::Str(None),
            "boolean" => Ty::Bool,
            "any" => Ty::Any,
            other => match self.get(other) {
                Some(TypePlan::Enum { .. }) => Ty::Enum(other.to_owned()),
                Some(TypePlan::Object { .. }) => {
                    d.error(loc, format!("`{other}` is an object schema; a column or parameter holds one value of `integer`, `number`, `string`, `boolean` or an enum schema"));
                    return None;
                }
                None => {
                    let mut known = vec!["integer", "int32", "number", "string", "boolean", "any"];
                    known.extend(self.declared.iter().map(|(n, _)| n.as_str()));
                    d.error_suggest(loc, format!("unknown type `{other}`; expected `integer`, `int32`, `number`, `string`, `boolean`, `any` or an enum schema"), other, known);
                    return None;
                }
            },
        })
    }

    /// Reports every schema that contains itself, and marks it broken: the
    /// checks that walk a type's fields (filling a response from columns)
    /// would never end.
    fn check_recursion(&mut self, schemas: &[Schema], d: &mut Diagnostics) {
        for schema in schemas {
            let mut path = vec![schema.name.value.clone()];
            if self.reaches(&schema.name.value, &schema.name.value, &mut path) {
                self.broken.push(schema.name.value.clone());
                d.error_help(
                    &schema.name.loc,
                    format!(
                        "schema `{}` contains itself ({}) and would be infinitely large",
                        schema.name.value,
                        path.join(" → ")
                    ),
                    "break the cycle with an array, or make the field refer to an id",
                );
            }
        }
    }

    /// Whether `from` contains `target` directly (not through an array).
    fn reaches(&self, from: &str, target: &str, path: &mut Vec<String>) -> bool {
        for field in self.fields(from) {
            if let Ty::Object(next) = &field.ty {
                if next == target {
                    path.push(next.clone());
                    return true;
                }
                if path.contains(next) {
                    continue;
                }
                path.push(next.clone());
                if self.reaches(next, target, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
}

fn variants(
    values: impl Iterator<Item = (String, Loc)>,
    type_name: &str,
    d: &mut Diagnostics,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (wire, loc) in values {
        let ident = names::to_pascal_case(&wire);
        if ident == "Self" {
            d.error(&loc, format!("enum `{type_name}`: value `{wire}` would become the Rust variant `Self`, a keyword"));
            continue;
        }
        if let Some((other, _)) = out.iter().find(|(_, i)| *i == ident) {
            d.error(&loc, format!("enum `{type_name}`: values `{other}` and `{wire}` would both become the Rust variant `{ident}`"));
            continue;
        }
        out.push((wire, ident));
    }
    out
}

/// The plan of a declared field whose type resolved to `ty`.
pub fn field_plan(field: &crate::spec::Field, ty: Ty) -> FieldPlan {
    FieldPlan {
        name: field.name.value.clone(),
        ty,
        optional: field.optional,
        nullable: field.spec.nullable,
        rules: rules(&field.spec.rules),
        description: field.spec.description.clone(),
        example: field
            .spec
            .example
            .as_ref()
            .map(crate::spec::Sample::to_json),
    }
}

/// Resolves constraints to plain values.
pub fn rules(rules: &Rules) -> RulesPlan {
    RulesPlan {
        minimum: rules.minimum.as_ref().map(|s| s.value),
        maximum: rules.maximum.as_ref().map(|s| s.value),
        min_length: rules.min_length.as_ref().map(|s| s.value),
        max_length: rules.max_length.as_ref().map(|s| s.value),
        pattern: rules.pattern.as_ref().map(|s| s.value.clone()),
        min_items: rules.min_items.as_ref().map(|s| s.value),
        max_items: rules.max_items.as_ref().map(|s| s.value),
    }
}

/// Describes a type for messages.
pub fn describe(ty: &Ty) -> String {
    match ty {
        Ty::I64 => "integer".into(),
        Ty::I32 => "int32".into(),
        Ty::F64 => "number".into(),
        Ty::Str(_) => "string".into(),
        Ty::Bool => "boolean".into(),
        Ty::Vec(inner) => format!("[{}]", describe(inner)),
        Ty::Enum(n) | Ty::Object(n) => n.clone(),
        Ty::Any => "any".into(),
    }
}

/// Whether a value spec is a scalar that a parameter or column can carry.
pub fn is_scalar(ty: &Ty) -> bool {
    !matches!(ty, Ty::Vec(_) | Ty::Object(_))
}
