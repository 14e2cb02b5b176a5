//! Finding a handler the way the compiler would: from the calling file,
//! down the module path, through `mod` declarations, `#[path]` and inline
//! modules.

use std::path::{Path, PathBuf};

use syn::Item;

use super::locate::{modules_at, offset_of};
use super::{CallSite, Found};

pub(super) fn find(
    site: &CallSite<'_>,
    modules: &[&str],
    name: &str,
    tracked: &mut Vec<PathBuf>,
) -> Found {
    let mut file = site.file.to_path_buf();
    let Some(mut text) = read(&file, tracked) else {
        return Found::Unknown;
    };
    let Some(parsed) = parse_rust(&text) else {
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
        let Some(next_parsed) = parse_rust(&next_text) else {
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

/// Groups (`(..)`, `[..]`, `{..}`) nested deeper than this, with the
/// operators in a row at the innermost level (`- - - x`), are more than
/// `syn` can parse: it recurses a few calls per level, and some thousands
/// of levels overflow the compiler's stack (rustc itself grows its stack
/// and accepts them). No hand-written code nests this deep.
const MAX_NESTING: usize = 256;

/// Parses a Rust file, or says nothing (`None`) when it does not parse or
/// nests too deep for `syn`: the compiler checks the handler then.
fn parse_rust(text: &str) -> Option<syn::File> {
    // What `syn::parse_file` skips: a byte order mark and a shebang line.
    let mut code = text.strip_prefix('\u{feff}').unwrap_or(text);
    if code.starts_with("#!") && !code[2..].trim_start().starts_with('[') {
        code = code.find('\n').map_or("", |nl| &code[nl..]);
    }
    let tokens: proc_macro2::TokenStream = code.parse().ok()?;
    // Without recursion: a stack of the groups still to look into.
    let mut groups = vec![(tokens.clone(), 0)];
    while let Some((stream, depth)) = groups.pop() {
        let mut operators = 0;
        for tree in stream {
            match tree {
                proc_macro2::TokenTree::Group(group) => {
                    operators = 0;
                    groups.push((group.stream(), depth + 1));
                }
                proc_macro2::TokenTree::Punct(_) => operators += 1,
                _ => operators = 0,
            }
            if depth + operators > MAX_NESTING {
                return None;
            }
        }
    }
    syn::parse2(tokens).ok()
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
