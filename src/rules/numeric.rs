//! Numeric comparisons used by many keywords (ttl, dsize, itype, bsize, …):
//! `N`, `!N`, `<N`, `>N`, `<=N`, `>=N`, `N-M` and `N<>M` (exclusive ranges).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumCmp {
    Eq(u64),
    Ne(u64),
    Lt(u64),
    Gt(u64),
    Le(u64),
    Ge(u64),
    /// Strictly between the bounds.
    Between(u64, u64),
    NotBetween(u64, u64),
}

impl NumCmp {
    pub fn matches(&self, v: u64) -> bool {
        match *self {
            NumCmp::Eq(n) => v == n,
            NumCmp::Ne(n) => v != n,
            NumCmp::Lt(n) => v < n,
            NumCmp::Gt(n) => v > n,
            NumCmp::Le(n) => v <= n,
            NumCmp::Ge(n) => v >= n,
            NumCmp::Between(lo, hi) => v > lo && v < hi,
            NumCmp::NotBetween(lo, hi) => !(v > lo && v < hi),
        }
    }

    /// Parses a comparison whose values must not exceed `max`.
    pub fn parse(text: &str, max: u64) -> Result<NumCmp, String> {
        let t = text.trim();
        let num = |s: &str| -> Result<u64, String> {
            let v = parse_u64(s.trim()).ok_or_else(|| format!("'{t}': '{}' is not a number", s.trim()))?;
            if v > max {
                return Err(format!("'{t}': {v} is larger than {max}"));
            }
            Ok(v)
        };
        if let Some((lo, hi)) = t.split_once("<>") {
            let (lo, hi) = (num(lo)?, num(hi)?);
            return range(t, lo, hi, false);
        }
        if let Some(rest) = t.strip_prefix("<=") {
            return Ok(NumCmp::Le(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix(">=") {
            return Ok(NumCmp::Ge(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix('<') {
            return Ok(NumCmp::Lt(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix('>') {
            return Ok(NumCmp::Gt(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix("!=") {
            return Ok(NumCmp::Ne(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix('!') {
            if let Some((lo, hi)) = rest.split_once('-') {
                return range(t, num(lo)?, num(hi)?, true);
            }
            return Ok(NumCmp::Ne(num(rest)?));
        }
        if let Some(rest) = t.strip_prefix('=') {
            return Ok(NumCmp::Eq(num(rest)?));
        }
        if let Some((lo, hi)) = t.split_once('-')
            && !lo.is_empty()
        {
            return range(t, num(lo)?, num(hi)?, false);
        }
        Ok(NumCmp::Eq(num(t)?))
    }
}

fn range(t: &str, lo: u64, hi: u64, negated: bool) -> Result<NumCmp, String> {
    if lo >= hi {
        return Err(format!("'{t}': range bounds are reversed or equal"));
    }
    Ok(if negated {
        NumCmp::NotBetween(lo, hi)
    } else {
        NumCmp::Between(lo, hi)
    })
}

/// Decimal or `0x` hexadecimal.
pub fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else {
        s.parse().ok()
    }
}

/// Decimal or hexadecimal, possibly negative.
pub fn parse_i64(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.strip_prefix('-') {
        Some(rest) => parse_u64(rest).and_then(|v| i64::try_from(v).ok()).map(|v| -v),
        None => parse_u64(s).and_then(|v| i64::try_from(v).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(NumCmp::parse("10", 255), Ok(NumCmp::Eq(10)));
        assert_eq!(NumCmp::parse("!10", 255), Ok(NumCmp::Ne(10)));
        assert_eq!(NumCmp::parse("<10", 255), Ok(NumCmp::Lt(10)));
        assert_eq!(NumCmp::parse(">= 10", 255), Ok(NumCmp::Ge(10)));
        assert_eq!(NumCmp::parse("5<>10", 255), Ok(NumCmp::Between(5, 10)));
        assert_eq!(NumCmp::parse("5-10", 255), Ok(NumCmp::Between(5, 10)));
        assert_eq!(NumCmp::parse("!5-10", 255), Ok(NumCmp::NotBetween(5, 10)));
        assert_eq!(NumCmp::parse("0x10", 255), Ok(NumCmp::Eq(16)));
        assert!(NumCmp::parse("300", 255).is_err());
        assert!(NumCmp::parse("10-5", 255).is_err());
        assert!(NumCmp::parse("abc", 255).is_err());
        assert!(NumCmp::parse("", 255).is_err());
    }

    #[test]
    fn matching() {
        assert!(NumCmp::Between(5, 10).matches(6) && !NumCmp::Between(5, 10).matches(5));
        assert!(NumCmp::NotBetween(5, 10).matches(10));
        assert!(NumCmp::Le(3).matches(3) && !NumCmp::Gt(3).matches(3));
    }
}
