//! Simple `pattern`s compiled into a DFA at build time.
//!
//! Most patterns in an API spec are anchored runs of ASCII classes
//! (`^[A-Z0-9]+(-[A-Z0-9]+)*$`, `^[a-z]{2}$`). Such a pattern becomes a
//! table the runtime walks one byte at a time (`keel::extract::rules::Dfa`):
//! no regex engine at run time, and a few nanoseconds per character. Any
//! pattern outside the subset below keeps the runtime's regex engine, so
//! the subset only decides speed, never meaning.
//!
//! The subset: `^` … `$` around the whole pattern; ASCII literals and
//! escaped punctuation; classes `[…]` of ASCII literals and ranges (not
//! negated); `\d` and `\w` (ASCII, as the runtime's engine reads them);
//! groups `(…)` and `(?:…)`; alternation `|` inside a group; and the
//! quantifiers `*`, `+`, `?`, `{n}`, `{n,}` and
//! `{n,m}` (bounds up to 64), greedy or lazy (the same for a yes/no match).

use std::collections::{BTreeMap, HashMap};

/// A set of ASCII bytes.
type Set = u128;

/// The compiled form: byte classes, transitions, accepting states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dfa {
    /// The class of each ASCII byte.
    pub classes: [u8; 128],
    /// Number of classes (the table's width).
    pub width: usize,
    /// `next[state * width + class]`, `u16::MAX` for no match.
    pub next: Vec<u16>,
    /// Whether each state accepts.
    pub accept: Vec<bool>,
}

/// Most DFA states a pattern may compile to.
const MAX_STATES: usize = 512;
/// Largest repetition bound expanded.
const MAX_REPEAT: u32 = 64;

/// Compiles `pattern` if it is in the subset.
pub(crate) fn compile(pattern: &str) -> Option<Dfa> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    if body.ends_with('\\') {
        // `\$`: the anchor was escaped.
        return None;
    }
    let mut parser = Parser {
        chars: body.chars().collect(),
        at: 0,
    };
    let node = parser.alternation()?;
    // `^a|b$` is `(^a)|(b$)`: only a group may hold an alternation here.
    if parser.at != parser.chars.len() || matches!(node, Node::Alt(_)) {
        return None;
    }
    let mut nfa = Nfa::default();
    let start = nfa.state();
    let end = nfa.build(&node, start)?;
    nfa.accept = end;
    nfa.determinize(start)
}

/// A parsed pattern.
#[derive(Debug, Clone)]
enum Node {
    Set(Set),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    fn alternation(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Some(match branches.len() {
            1 => branches.pop()?,
            _ => Node::Alt(branches),
        })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Some(Node::Concat(items))
    }

    fn atom(&mut self) -> Option<Node> {
        match self.next()? {
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    // Flags and look-around are not in the subset.
                    return None;
                }
                let inner = self.alternation()?;
                self.eat(')').then_some(inner)
            }
            '[' => self.class().map(Node::Set),
            '\\' => self.escape().map(Node::Set),
            c if is_plain(c) => ascii(c).map(Node::Set),
            // `.`, anchors inside, quantifiers with nothing to repeat.
            _ => None,
        }
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.at += 1;
                let min = self.number()?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if !self.eat('}') || max.is_some_and(|m| m < min) {
                    return None;
                }
                self.at -= 1;
                (min, max)
            }
            _ => return Some(atom),
        };
        self.at += 1;
        // Lazy or greedy match the same strings.
        self.eat('?');
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return None;
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits.parse().ok().filter(|n| *n <= MAX_REPEAT)
    }

    /// After `\`: a class escape or escaped punctuation.
    fn escape(&mut self) -> Option<Set> {
        match self.next()? {
            'd' => Some(range(b'0', b'9')),
            'w' => Some(range(b'0', b'9') | range(b'A', b'Z') | range(b'a', b'z') | bit(b'_')),
            c if c.is_ascii_punctuation() => ascii(c),
            _ => None,
        }
    }

    /// After `[`: literals, ranges and class escapes up to `]`.
    fn class(&mut self) -> Option<Set> {
        if self.peek() == Some('^') || self.peek() == Some(']') {
            return None;
        }
        let mut set: Set = 0;
        loop {
            let c = self.next()?;
            let low = match c {
                ']' => return (set != 0).then_some(set),
                '\\' => {
                    let escaped = self.escape()?;
                    if escaped.count_ones() != 1 {
                        set |= escaped;
                        continue;
                    }
                    escaped
                }
                '[' => return None,
                c => ascii(c)?,
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1) != Some(&']') {
                self.at += 1;
                let high = match self.next()? {
                    '\\' => self.escape().filter(|s| s.count_ones() == 1)?,
                    '[' | ']' => return None,
                    c => ascii(c)?,
                };
                let (lo, hi) = (low.trailing_zeros(), high.trailing_zeros());
                if lo > hi {
                    return None;
                }
                set |= range(lo as u8, hi as u8);
            } else {
                set |= low;
            }
        }
    }
}

/// A character that stands for itself outside a class.
fn is_plain(c: char) -> bool {
    c.is_ascii() && !"\\^$.|?*+()[]{}".contains(c)
}

fn ascii(c: char) -> Option<Set> {
    u8::try_from(c).ok().filter(u8::is_ascii).map(bit)
}

fn bit(b: u8) -> Set {
    1 << b
}

fn range(lo: u8, hi: u8) -> Set {
    (lo..=hi).fold(0, |s, b| s | bit(b))
}

/// A Thompson NFA: each state has byte edges and empty edges.
#[derive(Default)]
struct Nfa {
    edges: Vec<Vec<(Set, usize)>>,
    empty: Vec<Vec<usize>>,
    accept: usize,
}

impl Nfa {
    fn state(&mut self) -> usize {
        self.edges.push(Vec::new());
        self.empty.push(Vec::new());
        self.edges.len() - 1
    }

    /// Adds `node` from `from`; returns the state it ends in.
    fn build(&mut self, node: &Node, from: usize) -> Option<usize> {
        if self.edges.len() > 4 * MAX_STATES {
            return None;
        }
        Some(match node {
            Node::Set(set) => {
                let to = self.state();
                self.edges[from].push((*set, to));
                to
            }
            Node::Concat(items) => {
                let mut at = from;
                for item in items {
                    at = self.build(item, at)?;
                }
                at
            }
            Node::Alt(branches) => {
                let end = self.state();
                for branch in branches {
                    let start = self.state();
                    self.empty[from].push(start);
                    let done = self.build(branch, start)?;
                    self.empty[done].push(end);
                }
                end
            }
            Node::Repeat(inner, min, max) => {
                let mut at = from;
                for _ in 0..*min {
                    at = self.build(inner, at)?;
                }
                match max {
                    None => {
                        // A loop: enter, repeat, or leave.
                        let start = self.state();
                        self.empty[at].push(start);
                        let done = self.build(inner, start)?;
                        self.empty[done].push(start);
                        let end = self.state();
                        self.empty[start].push(end);
                        end
                    }
                    Some(max) => {
                        let end = self.state();
                        self.empty[at].push(end);
                        for _ in *min..*max {
                            at = self.build(inner, at)?;
                            self.empty[at].push(end);
                        }
                        end
                    }
                }
            }
        })
    }

    fn closure(&self, states: &mut Vec<usize>) {
        let mut i = 0;
        while i < states.len() {
            for &next in &self.empty[states[i]] {
                if !states.contains(&next) {
                    states.push(next);
                }
            }
            i += 1;
        }
        states.sort_unstable();
    }

    /// Subset construction over the byte classes the edges distinguish.
    fn determinize(&self, start: usize) -> Option<Dfa> {
        // Bytes that every edge treats alike share a class; class 0 holds
        // the bytes no edge takes.
        let mut by_signature: BTreeMap<Vec<bool>, u8> = BTreeMap::new();
        let all_sets: Vec<Set> = self.edges.iter().flatten().map(|(s, _)| *s).collect();
        let mut classes = [0u8; 128];
        let mut representative = vec![None];
        for b in 0..128u8 {
            let signature: Vec<bool> = all_sets.iter().map(|s| s & bit(b) != 0).collect();
            if !signature.iter().any(|&x| x) {
                continue;
            }
            let next_id = u8::try_from(representative.len()).ok()?;
            let id = *by_signature.entry(signature).or_insert_with(|| {
                representative.push(Some(b));
                next_id
            });
            classes[b as usize] = id;
        }
        let width = representative.len();
        let mut first = vec![start];
        self.closure(&mut first);
        let mut ids: HashMap<Vec<usize>, u16> = HashMap::from([(first.clone(), 0)]);
        let mut queue = vec![first];
        let mut next = Vec::new();
        let mut accept = Vec::new();
        let mut i = 0;
        while i < queue.len() {
            let current = queue[i].clone();
            accept.push(current.contains(&self.accept));
            for class in &representative {
                let Some(b) = class else {
                    next.push(u16::MAX);
                    continue;
                };
                let mut target: Vec<usize> = Vec::new();
                for &s in &current {
                    for &(set, to) in &self.edges[s] {
                        if set & bit(*b) != 0 && !target.contains(&to) {
                            target.push(to);
                        }
                    }
                }
                if target.is_empty() {
                    next.push(u16::MAX);
                    continue;
                }
                self.closure(&mut target);
                let id = match ids.get(&target) {
                    Some(id) => *id,
                    None => {
                        if queue.len() >= MAX_STATES {
                            return None;
                        }
                        let id = u16::try_from(queue.len()).ok()?;
                        ids.insert(target.clone(), id);
                        queue.push(target);
                        id
                    }
                };
                next.push(id);
            }
            i += 1;
        }
        Some(Dfa {
            classes,
            width,
            next,
            accept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dfa: &Dfa, s: &str) -> bool {
        let mut state = 0usize;
        for &b in s.as_bytes() {
            if b >= 128 {
                return false;
            }
            let n = dfa.next[state * dfa.width + dfa.classes[b as usize] as usize];
            if n == u16::MAX {
                return false;
            }
            state = n as usize;
        }
        dfa.accept[state]
    }

    /// Every string up to `len` characters over `alphabet`.
    fn strings(alphabet: &[char], len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn compiled_patterns_match_what_the_regex_engine_matches() {
        let patterns = [
            "^[A-Z0-9]+(-[A-Z0-9]+)*$",
            "^[a-z0-9-]+$",
            "^[A-Z]{2}$",
            "^a{2,3}b?$",
            "^(ab|a)*b$",
            "^\\d{1,3}(\\.\\d+)?$",
            "^[\\w-]{2,}$",
            "^(?:x|y-)+z??$",
            "^[-a]b$",
            "^[a-]b$",
            "^a{0}b$",
            "^$",
        ];
        let alphabet = [
            'a', 'b', 'x', 'y', 'z', 'A', 'Z', '0', '9', '-', '.', '_', 'é',
        ];
        let inputs = strings(&alphabet, 4);
        for pattern in patterns {
            let dfa = compile(pattern).unwrap_or_else(|| panic!("{pattern} compiles"));
            let regex = regex_lite::Regex::new(pattern).expect("a valid pattern");
            for s in &inputs {
                assert_eq!(run(&dfa, s), regex.is_match(s), "{pattern} on {s:?}");
            }
        }
    }

    #[test]
    fn patterns_outside_the_subset_keep_the_regex_engine() {
        for pattern in [
            "[a-z]+",
            "^[a-z]+",
            "^[^a]$",
            "^.+$",
            "^(?i)a$",
            "^a\\$",
            "^\\bword$",
            "^é$",
            "^a{100}$",
            "^a**$",
            "^a|b$",
            "^(a$",
        ] {
            assert_eq!(compile(pattern), None, "{pattern}");
        }
    }
}
