//! Checks that each custom handler named in the spec exists and has the
//! signature its endpoint needs, by reading the Rust source the way the
//! compiler would find it: from the file that calls `keel::api!`, down the
//! handler's module path (`orders::create_order` is `fn create_order` in
//! `orders.rs` or `orders/mod.rs`, or in an inline `mod orders { .. }`).
//!
//! The check is syntactic and says nothing where it cannot be sure (a
//! function brought in by `use`, made by a macro, or a module it cannot
//! find); the generated code calls the handler with the exact types, so the
//! compiler catches whatever this lets through.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use syn::{FnArg, GenericArgument, Item, PathArguments, ReturnType, Type};

use crate::diag::{Diagnostics, Loc};
use crate::spec::{Implementation, Spec};

/// Where the macro is called from.
pub struct CallSite<'a> {
    /// The file that calls `keel::api!`.
    pub file: &'a Path,
    /// The line and column (1-based) of the call, when known: handlers'
    /// paths start from the module the call is in.
    pub at: Option<(usize, usize)>,
    /// Turns a path into how messages show it.
    pub display: &'a dyn Fn(&Path) -> Rc<str>,
}

/// Checks every handler of `spec`; files read are added to `tracked`.
pub fn check(spec: &Spec, site: &CallSite<'_>, tracked: &mut Vec<PathBuf>, d: &mut Diagnostics) {
    let ids: Vec<&str> = spec.endpoints.iter().map(|e| e.id.value.as_str()).collect();
    for endpoint in &spec.endpoints {
        let Implementation::Handler { path, .. } = &endpoint.implementation else {
            continue;
        };
        let id = &endpoint.id.value;
        let segments: Vec<&str> = path.value.split("::").collect();
        let Some((name, modules)) = segments.split_last() else {
            continue;
        };
        if modules
            .first()
            .is_some_and(|m| matches!(*m, "super" | "self" | "crate"))
        {
            // Outside what this check follows; the compiler checks it.
            continue;
        }
        let expected = expected_signature(name, id);
        match find(site, modules, name, tracked) {
            Found::Fn {
                file,
                text,
                item,
                inline,
            } => {
                let loc = locate(&text, name, &inline).map_or_else(
                    || Loc::file_start(&(site.display)(&file)),
                    |(line, col)| Loc::new(&(site.display)(&file), line, col),
                );
                if let Some(problem) = signature_problem(&item, id, &ids) {
                    d.error_help(
                        &loc,
                        format!("handler `{}` of endpoint `{id}` {problem}", path.value),
                        format!("the endpoint needs `{expected}`"),
                    );
                }
            }
            Found::Missing { file, fns } => {
                let shown = (site.display)(&file);
                let near = crate::names::did_you_mean(name, fns.iter().map(String::as_str));
                let help = match near {
                    Some(n) => {
                        format!("did you mean `{n}`? The endpoint needs `{expected}`")
                    }
                    None => format!("add `{expected} {{ .. }}` to {shown}"),
                };
                d.error_help(
                    &path.loc,
                    format!(
                        "endpoint `{id}`: handler `{}` does not exist: {shown} has no `fn {name}`",
                        path.value
                    ),
                    help,
                );
            }
            Found::NoModule {
                module,
                looked,
                declared,
            } => {
                let looked: Vec<String> = looked
                    .iter()
                    .map(|p| (site.display)(p).to_string())
                    .collect();
                let looked = looked.join(" or ");
                d.error_help(
                    &path.loc,
                    format!(
                        "endpoint `{id}`: handler `{}` is in module `{module}`, which is not declared",
                        path.value
                    ),
                    match crate::names::did_you_mean(&module, declared.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}::{name}`?"),
                        None => format!(
                            "declare `mod {module};` next to the `keel::api!` call, with the module in {looked}; the endpoint needs `{expected}`"
                        ),
                    },
                );
            }
            Found::Unknown => {}
        }
    }
}

/// The signature an endpoint's handler must have.
pub fn expected_signature(name: &str, id: &str) -> String {
    format!(
        "pub async fn {name}(db: &impl keel::Database, input: endpoints::{id}::Input) -> Result<endpoints::{id}::Output, keel::Problem>"
    )
}

enum Found {
    /// The function, in `file` (whose text is `text`), inside the inline
    /// modules `inline`.
    Fn {
        file: PathBuf,
        text: String,
        item: Box<syn::ItemFn>,
        inline: Vec<String>,
    },
    /// The module exists and surely has no such function; its functions.
    Missing { file: PathBuf, fns: Vec<String> },
    /// A module on the path is not declared at all.
    NoModule {
        module: String,
        looked: Vec<PathBuf>,
        declared: Vec<String>,
    },
    /// Cannot tell.
    Unknown,
}

fn find(site: &CallSite<'_>, modules: &[&str], name: &str, tracked: &mut Vec<PathBuf>) -> Found {
    let mut file = site.file.to_path_buf();
    let Some(mut text) = read(&file, tracked) else {
        return Found::Unknown;
    };
    let Ok(parsed) = syn::parse_file(&text) else {
        return Found::Unknown;
    };
    let mut items = parsed.items;
    // Where `mod x;` in the current file looks for `x`.
    let mut child_dirs = child_dirs(&file, true);
    // Start in the inline module the macro is called from.
    let mut inline = site
        .at
        .map(|(line, col)| modules_at(&text, offset_of(&text, line, col)))
        .unwrap_or_default();
    for module in &inline {
        let position = items
            .iter()
            .position(|item| matches!(item, Item::Mod(m) if m.ident == module));
        let Some(Item::Mod(declared)) = position.map(|i| items.swap_remove(i)) else {
            return Found::Unknown;
        };
        let Some((_, content)) = declared.content else {
            return Found::Unknown;
        };
        items = content;
        child_dirs = child_dirs.iter().map(|d| d.join(module)).collect();
    }
    for module in modules {
        let declared = items
            .iter()
            .position(|item| matches!(item, Item::Mod(m) if m.ident == module));
        let Some(Item::Mod(declared)) = declared.map(|i| items.swap_remove(i)) else {
            if items.iter().any(|i| could_bring(i, module)) {
                return Found::Unknown;
            }
            let looked = child_dirs
                .iter()
                .map(|d| d.join(format!("{module}.rs")))
                .collect();
            let declared = items
                .iter()
                .filter_map(|item| match item {
                    Item::Mod(m) => Some(m.ident.to_string()),
                    _ => None,
                })
                .collect();
            return Found::NoModule {
                module: (*module).to_owned(),
                looked,
                declared,
            };
        };
        if let Some((_, content)) = declared.content {
            items = content;
            child_dirs = child_dirs.iter().map(|d| d.join(module)).collect();
            inline.push((*module).to_owned());
            continue;
        }
        let explicit = declared.attrs.iter().find_map(path_attr);
        let candidates: Vec<PathBuf> = match explicit {
            // `#[path]` is relative to the file's directory, or inside
            // inline modules to their directories.
            Some(p) if inline.is_empty() => vec![
                file.parent()
                    .map_or_else(|| PathBuf::from(&p), |d| d.join(&p)),
            ],
            Some(p) => child_dirs.iter().map(|d| d.join(&p)).collect(),
            None => child_dirs
                .iter()
                .flat_map(|d| {
                    [
                        d.join(format!("{module}.rs")),
                        d.join(module).join("mod.rs"),
                    ]
                })
                .collect(),
        };
        let Some(next) = candidates.into_iter().find(|p| p.is_file()) else {
            return Found::Unknown;
        };
        let Some(next_text) = read(&next, tracked) else {
            return Found::Unknown;
        };
        let Ok(next_parsed) = syn::parse_file(&next_text) else {
            return Found::Unknown;
        };
        child_dirs = child_dirs_of_module(&next);
        file = next;
        text = next_text;
        items = next_parsed.items;
        inline.clear();
    }
    let found = items
        .iter()
        .position(|item| matches!(item, Item::Fn(f) if f.sig.ident == name));
    match found {
        Some(index) => match items.swap_remove(index) {
            Item::Fn(item) => Found::Fn {
                file,
                text,
                item: Box::new(item),
                inline,
            },
            _ => Found::Unknown,
        },
        None if items.iter().any(|i| could_bring(i, name)) => Found::Unknown,
        None => Found::Missing {
            file,
            fns: items
                .iter()
                .filter_map(|item| match item {
                    Item::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                })
                .collect(),
        },
    }
}

fn read(path: &Path, tracked: &mut Vec<PathBuf>) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    if !tracked.iter().any(|t| t == path) {
        tracked.push(path.to_path_buf());
    }
    Some(text)
}

/// Whether an item may bring a function called `name` into scope where
/// this check cannot see it: a macro, a glob import, or an import of that
/// name (other than of the generated modules, such as
/// `use crate::endpoints::create_order;`, which is the endpoint's module).
fn could_bring(item: &Item, name: &str) -> bool {
    fn brings(tree: &syn::UseTree, name: &str, generated: bool) -> bool {
        match tree {
            syn::UseTree::Path(p) => {
                let generated = generated
                    || ["endpoints", "types", "queries"]
                        .iter()
                        .any(|g| p.ident == g);
                brings(&p.tree, name, generated)
            }
            syn::UseTree::Name(n) => n.ident == name && !generated,
            syn::UseTree::Rename(r) => r.rename == name,
            syn::UseTree::Glob(_) => !generated,
            syn::UseTree::Group(g) => g.items.iter().any(|t| brings(t, name, generated)),
        }
    }
    match item {
        Item::Use(u) => brings(&u.tree, name, false),
        // `keel::api!` itself makes only its own modules.
        Item::Macro(m) => m.mac.path.segments.last().is_none_or(|s| s.ident != "api"),
        Item::ExternCrate(_) => true,
        _ => false,
    }
}

fn path_attr(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("path") {
        return None;
    }
    match &attr.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Where `mod x;` declared in the file that calls the macro looks for
/// `x`: beside a crate root or `mod.rs`, and for other files in the
/// directory named after them. Which kind the calling file is cannot be
/// told from its name alone, so both are tried, the more specific first.
fn child_dirs(file: &Path, calling: bool) -> Vec<PathBuf> {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    match stem.as_deref() {
        Some("mod" | "lib" | "main") | None => vec![dir],
        Some(stem) if calling => vec![dir.join(stem), dir],
        Some(stem) => vec![dir.join(stem)],
    }
}

fn child_dirs_of_module(file: &Path) -> Vec<PathBuf> {
    child_dirs(file, false)
}

/// What is wrong with a handler's signature, if anything surely is.
fn signature_problem(item: &syn::ItemFn, id: &str, ids: &[&str]) -> Option<String> {
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

/// The line and column of `fn name` in `text`, directly inside the inline
/// modules `inline` (outermost first).
fn locate(text: &str, name: &str, inline: &[String]) -> Option<(usize, usize)> {
    let mut found = None;
    walk(text, |at, word, previous, mods, braces| {
        if previous == Some("fn")
            && word == name
            && braces == inline.len()
            && mods.len() == inline.len()
            && mods.iter().zip(inline).all(|((m, _), n)| m == n)
        {
            found = Some(line_col(text, at));
            return true;
        }
        false
    });
    found
}

/// The inline modules (outermost first) that byte `offset` of `text` is in.
fn modules_at(text: &str, offset: usize) -> Vec<String> {
    let mut inside = Vec::new();
    walk(text, |at, _, _, mods, _| {
        inside = mods.iter().map(|(m, _)| m.clone()).collect();
        at >= offset
    });
    inside
}

/// Calls `on_word(offset, word, previous word, inline modules entered,
/// brace depth)` for each identifier or keyword of Rust source `text`,
/// skipping comments, strings and character literals, until it returns
/// `true`. The previous word is `None` when another token came between.
fn walk(
    text: &str,
    mut on_word: impl FnMut(usize, &str, Option<&str>, &[(String, usize)], usize) -> bool,
) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut braces = 0usize;
    // The inline modules entered: name and the brace depth outside them.
    let mut mods: Vec<(String, usize)> = Vec::new();
    let mut previous: Option<&str> = None;
    // The name of a module whose `{` is next.
    let mut opening: Option<&str> = None;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut nest = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 2;
                        if nest == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                previous = None;
            }
            b'\'' => {
                // A character literal (`'x'`, `'\n'`, `'\''`) or a
                // lifetime (`'a`).
                if bytes.get(i + 1) == Some(&b'\\') {
                    // Past the backslash and the escaped character.
                    i += 3;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if let Some(len) = text[i + 1..].chars().next().map(char::len_utf8)
                    && bytes.get(i + 1 + len) == Some(&b'\'')
                {
                    // `'x'`, `'é'`.
                    i += 2 + len;
                } else {
                    i += 1;
                }
                previous = None;
            }
            b'{' => {
                if let Some(module) = opening.take() {
                    mods.push((module.to_owned(), braces));
                }
                braces += 1;
                i += 1;
                previous = None;
            }
            b'}' => {
                braces = braces.saturating_sub(1);
                if mods.last().is_some_and(|(_, outside)| *outside == braces) {
                    mods.pop();
                }
                i += 1;
                previous = None;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if matches!(word, "r" | "br") && matches!(bytes.get(i), Some(b'"' | b'#')) {
                    // A raw string: skip to its closing quote and hashes.
                    let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
                    if bytes.get(i + hashes) == Some(&b'"') {
                        let close = format!("\"{}", "#".repeat(hashes));
                        let body = i + hashes + 1;
                        i = text[body..]
                            .find(&close)
                            .map_or(bytes.len(), |p| body + p + close.len());
                        previous = None;
                        continue;
                    }
                }
                if on_word(start, word, previous, &mods, braces) {
                    return;
                }
                if previous == Some("mod") {
                    opening = Some(word);
                }
                previous = Some(word);
            }
            c => {
                if !c.is_ascii_whitespace() {
                    previous = None;
                    opening = None;
                }
                i += 1;
            }
        }
    }
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i);
        }
        offset += l.len();
    }
    text.len()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn locates_functions_past_comments_strings_and_modules() {
        let text = "// fn target() in a comment\n\
                    const S: &str = \"fn target\";\n\
                    const R: &str = r#\"fn target\"#;\n\
                    mod inner {\n    fn target() {}\n}\n\
                    fn other<'a>(c: char) { let _ = ['{', '\\'', 'é']; fn target() {} }\n\
                    pub async fn target() {}\n";
        assert_eq!(locate(text, "target", &[]), Some((8, 14)));
        assert_eq!(locate(text, "target", &["inner".to_owned()]), Some((5, 8)));
        assert_eq!(locate(text, "target", &["other".to_owned()]), None);
        assert_eq!(locate(text, "missing", &[]), None);
    }
}
