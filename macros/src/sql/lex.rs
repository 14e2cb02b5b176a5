//! A small SQLite lexer: enough to find parameters, statement ends and
//! keywords outside strings, identifiers in quotes and comments.

/// One token of interest, with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A bare word (keyword or identifier).
    Word(String),
    /// `:name`.
    Param(String),
    /// `?`, `?NNN`, `@name` or `$name`: valid SQLite, not supported here.
    OtherParam(String),
    /// `;`.
    Semicolon,
    /// A string literal, quoted identifier or comment.
    Trivia,
    /// Any other character.
    Other,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexeme {
    /// The token.
    pub token: Token,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset after its last character.
    pub end: usize,
}

/// Lexes `text`. An unterminated string or comment runs to the end (SQLite
/// reports it when the query is prepared).
pub fn lex(text: &str) -> Vec<Lexeme> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let token = match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                Token::Trivia
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
                Token::Trivia
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => break,
                        Some(&q) if q == c => {
                            if bytes.get(i + 1) == Some(&c) {
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
                Token::Trivia
            }
            b'[' => {
                while i < bytes.len() && bytes[i] != b']' {
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                Token::Trivia
            }
            b';' => {
                i += 1;
                Token::Semicolon
            }
            b':' | b'@' | b'$' if bytes.get(i + 1).is_some_and(|b| is_ident_start(*b)) => {
                i += 1;
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                let name = text[start + 1..i].to_owned();
                if c == b':' {
                    Token::Param(name)
                } else {
                    Token::OtherParam(text[start..i].to_owned())
                }
            }
            b'?' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                Token::OtherParam(text[start..i].to_owned())
            }
            c if is_ident_start(c) => {
                while i < bytes.len() && is_ident_char(bytes[i]) {
                    i += 1;
                }
                Token::Word(text[start..i].to_owned())
            }
            _ => {
                // Step over one whole UTF-8 character.
                i += 1;
                while i < bytes.len() && (bytes[i] & 0b1100_0000) == 0b1000_0000 {
                    i += 1;
                }
                Token::Other
            }
        };
        if !matches!(token, Token::Other) || !c.is_ascii_whitespace() {
            out.push(Lexeme {
                token,
                start,
                end: i,
            });
        }
    }
    out
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// Splits a script into statements (byte ranges, without the `;`). Knows
/// that `CREATE TRIGGER ... BEGIN ...; ...; END;` is one statement.
pub fn split_statements(text: &str) -> Vec<(usize, usize)> {
    let lexemes = lex(text);
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut words: Vec<String> = Vec::new();
    // Inside a trigger, `CASE ... END` nests; only an `END` that closes no
    // `CASE`, right before a `;`, ends the trigger.
    let mut case_depth = 0usize;
    let mut after_block_end = false;
    for lx in &lexemes {
        match &lx.token {
            Token::Trivia => {}
            Token::Semicolon => {
                if !is_trigger(&words) || after_block_end {
                    if let Some(s) = start.take() {
                        out.push((s, lx.start));
                    }
                    words.clear();
                    case_depth = 0;
                }
                after_block_end = false;
            }
            other => {
                if start.is_none() {
                    start = Some(lx.start);
                }
                after_block_end = false;
                if let Token::Word(w) = other {
                    if words.len() < 4 {
                        words.push(w.to_ascii_uppercase());
                    }
                    if w.eq_ignore_ascii_case("CASE") {
                        case_depth += 1;
                    } else if w.eq_ignore_ascii_case("END") {
                        if case_depth > 0 {
                            case_depth -= 1;
                        } else {
                            after_block_end = true;
                        }
                    }
                }
            }
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn is_trigger(words: &[String]) -> bool {
    match words {
        [c, t, ..] if c == "CREATE" && t == "TRIGGER" => true,
        [c, temp, t, ..]
            if c == "CREATE" && (temp == "TEMP" || temp == "TEMPORARY") && t == "TRIGGER" =>
        {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> Vec<Token> {
        lex(text)
            .into_iter()
            .map(|l| l.token)
            .filter(|t| matches!(t, Token::Param(_) | Token::OtherParam(_)))
            .collect()
    }

    #[test]
    fn finds_parameters_outside_strings_and_comments() {
        let sql = "SELECT ':no', \"x:y\", json_extract(j, '$.sku') -- :nope\n FROM t WHERE a = :id AND b = ?2 /* :no */";
        assert_eq!(
            params(sql),
            vec![Token::Param("id".into()), Token::OtherParam("?2".into())]
        );
    }

    #[test]
    fn splits_scripts_keeping_triggers_whole() {
        let script = "CREATE TABLE a (x); -- c;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN x THEN 1 ELSE 2 END; DELETE FROM a; END;\nINSERT INTO a VALUES (';');";
        let parts: Vec<&str> = split_statements(script)
            .into_iter()
            .map(|(s, e)| &script[s..e])
            .collect();
        assert_eq!(parts.len(), 3);
        assert!(parts[1].starts_with("CREATE TRIGGER") && parts[1].ends_with("END"));
        assert_eq!(parts[2], "INSERT INTO a VALUES (';')");
    }
}
