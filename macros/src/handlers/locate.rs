//! Where in a file a function is: line and column, past comments,
//! strings and other modules.

use crate::diag::LineIndex;

/// The line and column of `fn name` in `text`, directly inside the inline
/// modules `inline` (outermost first).
pub(super) fn locate(text: &str, name: &str, inline: &[String]) -> Option<(usize, usize)> {
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
pub(super) fn modules_at(text: &str, offset: usize) -> Vec<String> {
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
pub(super) fn offset_of(text: &str, line: usize, col: usize) -> usize {
    lines(text).offset(line, col).unwrap_or(text.len())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    lines(text).line_col(offset)
}

/// Only lines and columns are asked of it: no file to name.
fn lines(text: &str) -> LineIndex {
    LineIndex::new(std::rc::Rc::from(""), text)
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
