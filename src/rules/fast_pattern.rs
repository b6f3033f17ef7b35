//! Fast pattern selection: which content of a rule the prefilter looks for.
//! An explicit `fast_pattern` wins; otherwise the strongest positive content.

use super::rule::{BufferMatch, FastPattern, Inspect};

/// Suricata-like strength: distinct bytes count more than repeats, and
/// rarer classes of bytes count more than letters.
pub fn strength(p: &[u8]) -> u32 {
    let mut seen = [false; 256];
    let mut score = 0;
    for &b in p {
        if seen[b as usize] {
            score += 1;
        } else {
            seen[b as usize] = true;
            score += if b.is_ascii_alphabetic() {
                3
            } else if b.is_ascii_graphic() || b == b' ' {
                4
            } else {
                6
            };
        }
    }
    score
}

/// Chooses the fast pattern among the rule's contents, in the payload or
/// any buffer. `Err` when an explicit fast_pattern cannot be honoured.
pub fn choose(payload: &[Inspect], buffers: &[BufferMatch]) -> Result<Option<FastPattern>, String> {
    let lists = std::iter::once((None, payload)).chain(
        buffers
            .iter()
            .map(|b| (Some((b.id, b.transforms.clone())), b.steps.as_slice())),
    );
    let mut best: Option<((u32, usize, bool), FastPattern)> = None;
    for (buffer, steps) in lists {
        let contents = steps.iter().filter_map(|i| match i {
            Inspect::Content(c) => Some(c),
            _ => None,
        });
        for c in contents {
            if let Some(spec) = &c.fast_pattern {
                if c.negated {
                    // A negated pattern proves nothing by its presence: no prefilter.
                    return Ok(None);
                }
                if spec.chop.is_some_and(|(_, len)| len == 0) {
                    return Err("fast_pattern length must be at least 1".into());
                }
                let bytes = match spec.chop {
                    Some((off, len)) => c
                        .pattern
                        .get(off..off.saturating_add(len))
                        .ok_or_else(|| format!("fast_pattern:{off},{len} is outside the content"))?
                        .to_vec(),
                    None => c.pattern.clone(),
                };
                return Ok(Some(FastPattern {
                    bytes,
                    nocase: c.nocase,
                    explicit: true,
                    buffer,
                }));
            }
            if c.negated {
                continue;
            }
            // Stronger first, then longer, then application buffers over the
            // payload (they are smaller and more specific), then the first written.
            let s = (strength(&c.pattern), c.pattern.len(), buffer.is_some());
            if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                best = Some((
                    s,
                    FastPattern {
                        bytes: c.pattern.clone(),
                        nocase: c.nocase,
                        explicit: false,
                        buffer: buffer.clone(),
                    },
                ));
            }
        }
    }
    Ok(best.map(|(_, fp)| fp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::content::{Content, FastPatternSpec};

    fn content(p: &[u8], negated: bool) -> Inspect {
        Inspect::Content(Box::new(Content::new(p.to_vec(), negated)))
    }

    #[test]
    fn strongest_positive_wins() {
        let payload = vec![
            content(b"aaaa", false),
            content(b"|00 01|x", false),
            content(b"longer-but-negated", true),
        ];
        assert_eq!(choose(&payload, &[]).unwrap().unwrap().bytes, b"|00 01|x".to_vec());
    }

    #[test]
    fn explicit_and_chop() {
        let mut c = Content::new(b"abcdefgh".to_vec(), false);
        c.fast_pattern = Some(FastPatternSpec {
            only: false,
            chop: Some((2, 3)),
        });
        let payload = vec![content(b"much-longer-pattern", false), Inspect::Content(Box::new(c))];
        let fp = choose(&payload, &[]).unwrap().unwrap();
        assert_eq!(fp.bytes, b"cde".to_vec());
        assert!(fp.explicit);
    }

    #[test]
    fn chop_out_of_range_is_an_error() {
        let mut c = Content::new(b"abc".to_vec(), false);
        c.fast_pattern = Some(FastPatternSpec {
            only: false,
            chop: Some((2, 5)),
        });
        assert!(choose(&[Inspect::Content(Box::new(c))], &[]).is_err());
    }

    #[test]
    fn only_negated_means_none() {
        assert_eq!(choose(&[content(b"abc", true)], &[]).unwrap(), None);
    }
}
