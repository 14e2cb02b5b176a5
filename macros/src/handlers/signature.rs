//! Whether a handler's signature is the one its endpoint needs.

use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Type};

/// What is wrong with a handler's signature, if anything surely is.
pub(super) fn signature_problem(item: &syn::ItemFn, id: &str, ids: &[&str]) -> Option<String> {
    let sig = &item.sig;
    let returns_future =
        matches!(&sig.output, ReturnType::Type(_, t) if matches!(t.as_ref(), Type::ImplTrait(_)));
    if sig.asyncness.is_none() && !returns_future {
        return Some("must be an `async fn`".into());
    }
    let inputs: Vec<&FnArg> = sig.inputs.iter().collect();
    if inputs.iter().any(|a| matches!(a, FnArg::Receiver(_))) {
        return Some("must be a free function, not a method".into());
    }
    if inputs.len() != 2 {
        return Some(format!(
            "takes {} argument{}, but handlers take two: the database and the endpoint's `Input`",
            inputs.len(),
            if inputs.len() == 1 { "" } else { "s" }
        ));
    }
    fn arg_type(a: &FnArg) -> Option<&Type> {
        match a {
            FnArg::Typed(t) => Some(t.ty.as_ref()),
            FnArg::Receiver(_) => None,
        }
    }
    if let Some(ty) = arg_type(inputs[0])
        && !matches!(ty, Type::Reference(_))
    {
        return Some(format!(
            "takes the database as `{}`, but it is lent: `&impl keel::Database`",
            tokens(&ty)
        ));
    }
    if let Some(ty) = arg_type(inputs[1])
        && let Some(wrong) = wrong_io_type(ty, "Input", id, ids)
    {
        return Some(format!("takes `{wrong}` as its input"));
    }
    match &sig.output {
        ReturnType::Default => Some("returns nothing".into()),
        ReturnType::Type(_, ty) => {
            let Type::Path(p) = ty.as_ref() else {
                return Some(format!("returns `{}`", tokens(ty)));
            };
            let last = p.path.segments.last()?;
            if last.ident != "Result" {
                // Perhaps an alias; the compiler will tell.
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let types: Vec<&Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            if let Some(ok) = types.first()
                && let Some(wrong) = wrong_io_type(ok, "Output", id, ids)
            {
                return Some(format!("returns `{wrong}` when it succeeds"));
            }
            match types.get(1) {
                Some(Type::Path(err))
                    if err
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident != "Problem") =>
                {
                    Some(format!("fails with `{}`", tokens(types[1])))
                }
                _ => None,
            }
        }
    }
}

/// `Some(the type)` when `ty` is surely not the endpoint's `Input` (or
/// `Output`): a type whose name is something else, or another endpoint's
/// (a module named after another of the spec's endpoints `ids`; any other
/// module may be an alias, as in `use endpoints::create_order as ep`).
fn wrong_io_type(ty: &Type, expected: &str, id: &str, ids: &[&str]) -> Option<String> {
    let Type::Path(p) = ty else {
        return Some(tokens(ty));
    };
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [.., last] if last != expected => Some(tokens(ty)),
        [.., module, _] if module != id && ids.contains(&module.as_str()) => Some(tokens(ty)),
        _ => None,
    }
}

fn tokens(ty: &impl quote::ToTokens) -> String {
    // `& impl keel :: Database` reads better without the token spacing.
    let text = ty.to_token_stream().to_string();
    text.replace(" :: ", "::")
        .replace("& ", "&")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
}
