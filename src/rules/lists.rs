//! The list grammar shared by addresses and ports: `any`, `$VAR`, `!x`,
//! `[a, b, !c]` nested, where negated items are removed from the others.

/// A set type the grammar can build.
pub trait ListSet: Sized + Clone {
    fn any() -> Self;
    fn union(&self, other: &Self) -> Self;
    fn complement(&self) -> Self;
    fn minus(&self, other: &Self) -> Self;
}

/// Callbacks for the leaves of a list.
pub trait Leaves<S> {
    fn atom(&mut self, text: &str) -> Result<S, String>;
    fn var(&mut self, name: &str, depth: usize) -> Result<S, String>;
}

const MAX_DEPTH: usize = 16;

pub fn parse_list<S: ListSet>(text: &str, leaves: &mut dyn Leaves<S>, depth: usize) -> Result<S, String> {
    if depth > MAX_DEPTH {
        return Err("lists or variables nested too deeply (a variable that refers to itself?)".into());
    }
    let t = text.trim();
    if t.is_empty() {
        return Err("empty address or port".into());
    }
    if let Some(rest) = t.strip_prefix('!') {
        return Ok(parse_list(rest, leaves, depth + 1)?.complement());
    }
    if t.starts_with('[') {
        if !t.ends_with(']') {
            return Err(format!("'{t}': list not closed by ']'"));
        }
        let inner = &t[1..t.len() - 1];
        let mut positive: Option<S> = None;
        let mut negative: Option<S> = None;
        for item in split_top_level(inner)? {
            let item = item.trim();
            if item.is_empty() {
                return Err(format!("'{t}': empty list item"));
            }
            if let Some(neg) = item.strip_prefix('!') {
                let s = parse_list(neg, leaves, depth + 1)?;
                negative = Some(match negative {
                    Some(n) => n.union(&s),
                    None => s,
                });
            } else {
                let s = parse_list(item, leaves, depth + 1)?;
                positive = Some(match positive {
                    Some(p) => p.union(&s),
                    None => s,
                });
            }
        }
        let base = positive.unwrap_or_else(S::any);
        return Ok(match negative {
            Some(n) => base.minus(&n),
            None => base,
        });
    }
    if t.eq_ignore_ascii_case("any") {
        return Ok(S::any());
    }
    if let Some(name) = t.strip_prefix('$') {
        return leaves.var(name, depth + 1);
    }
    leaves.atom(t)
}

fn split_top_level(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(format!("'{s}': unbalanced ']'"));
        }
    }
    if depth != 0 {
        return Err(format!("'{s}': unbalanced '['"));
    }
    out.push(&s[start..]);
    Ok(out)
}
