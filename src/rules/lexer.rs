//! Rule text to tokens: joins continued lines, skips comments, splits a rule
//! into its header words and its `name:value;` options.

/// One rule as written, with the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleText {
    pub line: usize,
    pub text: String,
}

/// Splits a rules file into rule texts. A line ending in `\` continues on
/// the next; `#` starts a comment line.
pub fn rule_texts(source: &str) -> Vec<RuleText> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if current.is_empty() {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            start = i + 1;
        }
        let trimmed = line.trim_end();
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            continue;
        }
        current.push_str(line);
        let text = std::mem::take(&mut current).trim().to_string();
        if !text.is_empty() {
            out.push(RuleText { line: start, text });
        }
    }
    let text = current.trim().to_string();
    if !text.is_empty() {
        out.push(RuleText { line: start, text });
    }
    out
}

/// A rule split into header and raw options.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub header: Vec<&'a str>,
    pub options: Vec<(String, Option<&'a str>)>,
}

/// Splits `action proto src sport dir dst dport (opts)`. Header words are
/// separated by spaces outside brackets; options by `;` not escaped by `\`.
pub fn split_rule(text: &str) -> Result<Split<'_>, String> {
    let open = text.find('(').ok_or("no '(' opening the options")?;
    let close = text.rfind(')').ok_or("no ')' closing the options")?;
    if close < open {
        return Err("')' before '('".into());
    }
    if !text[close + 1..].trim().is_empty() {
        return Err("text after the closing ')'".into());
    }
    let header = header_words(&text[..open])?;
    let options = split_options(&text[open + 1..close])?;
    Ok(Split { header, options })
}

fn header_words(h: &str) -> Result<Vec<&str>, String> {
    let mut words = Vec::new();
    let mut depth = 0i32;
    let mut start: Option<usize> = None;
    for (i, c) in h.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced ']' in the header".into());
                }
            }
            _ => {}
        }
        if c.is_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                words.push(&h[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if depth != 0 {
        return Err("unbalanced '[' in the header".into());
    }
    if let Some(s) = start {
        words.push(&h[s..]);
    }
    Ok(words)
}

fn split_options(body: &str) -> Result<Vec<(String, Option<&str>)>, String> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b';' => {
                push_option(&body[start..i], &mut out)?;
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    let tail = body.get(start..).unwrap_or("").trim();
    if !tail.is_empty() {
        return Err(format!("option '{tail}' is not terminated by ';'"));
    }
    Ok(out)
}

fn push_option<'a>(opt: &'a str, out: &mut Vec<(String, Option<&'a str>)>) -> Result<(), String> {
    let opt = opt.trim();
    if opt.is_empty() {
        return Ok(());
    }
    match opt.find(':') {
        Some(colon) => {
            let name = opt[..colon].trim();
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(format!("malformed option '{opt}'"));
            }
            out.push((name.to_ascii_lowercase(), Some(opt[colon + 1..].trim())));
        }
        None => {
            if opt.contains(char::is_whitespace) {
                return Err(format!("malformed option '{opt}' (missing ';'?)"));
            }
            out.push((opt.to_ascii_lowercase(), None));
        }
    }
    Ok(())
}

/// Removes a value's surrounding double quotes, if any.
pub fn unquote(v: &str) -> &str {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Resolves `\;`, `\"`, `\\` and `\:` escapes (msg, metadata, names).
pub fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) => out.push(n),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_and_comments() {
        let src = "# a comment\n\nalert ip any any -> any any ( \\\nmsg:\"x\"; \\\n sid:1;)\n#alert tcp any any -> any any (sid:2;)\nalert udp any any -> any any (sid:3;)\n";
        let rules = rule_texts(src);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].line, 3);
        assert!(rules[0].text.contains("msg:\"x\";  sid:1;"));
        assert_eq!(rules[1].line, 7);
    }

    #[test]
    fn splits_options_with_escapes() {
        let s =
            split_rule(r#"alert tcp [1.1.1.1, 2.2.2.2] any -> any 80 (msg:"a\;b"; content:"x|3b|"; nocase; sid:5;)"#)
                .unwrap();
        assert_eq!(
            s.header,
            vec!["alert", "tcp", "[1.1.1.1, 2.2.2.2]", "any", "->", "any", "80"]
        );
        assert_eq!(s.options[0], ("msg".to_string(), Some(r#""a\;b""#)));
        assert_eq!(s.options[2], ("nocase".to_string(), None));
        assert_eq!(s.options.len(), 4);
        assert_eq!(unescape(unquote(s.options[0].1.unwrap())), "a;b");
    }

    #[test]
    fn errors() {
        assert!(split_rule("alert tcp any any -> any any sid:1;").is_err());
        assert!(split_rule("alert tcp any any -> any any (sid:1)").is_err());
        assert!(split_rule("alert tcp any any -> any any (sid:1;) x").is_err());
        assert!(split_rule("alert tcp [any any -> any any (sid:1;)").is_err());
    }
}
