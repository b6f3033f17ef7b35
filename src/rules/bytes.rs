//! byte_test, byte_jump, byte_extract and byte_math: parsing of their
//! options, and the byte-to-number conversion they share.

use super::numeric::{parse_i64, parse_u64};
use super::rule::Value;

/// Rule-local variable names defined by byte_extract/byte_math.
#[derive(Clone, Debug, Default)]
pub struct VarNames {
    names: Vec<String>,
}

pub const MAX_BYTE_VARS: usize = 16;

impl VarNames {
    pub fn define(&mut self, name: &str) -> Result<u8, String> {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return Ok(i as u8);
        }
        if self.names.len() >= MAX_BYTE_VARS {
            return Err(format!("more than {MAX_BYTE_VARS} byte variables"));
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            return Err(format!("'{name}' is not a valid variable name"));
        }
        self.names.push(name.to_string());
        Ok((self.names.len() - 1) as u8)
    }

    pub fn lookup(&self, name: &str) -> Option<u8> {
        self.names.iter().position(|n| n == name).map(|i| i as u8)
    }

    pub fn len(&self) -> u8 {
        self.names.len() as u8
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A literal number, or a variable defined earlier in the rule.
    pub fn value(&self, s: &str) -> Result<Value, String> {
        let s = s.trim();
        if let Some(n) = parse_i64(s) {
            return Ok(Value::Lit(n));
        }
        self.lookup(s)
            .map(Value::Var)
            .ok_or_else(|| format!("'{s}' is neither a number nor a byte variable"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    Hex,
    Dec,
    Oct,
}

/// How the bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extraction {
    /// Bytes to read: a literal or a byte variable (checked at match time).
    pub nbytes: Value,
    pub offset: Value,
    pub relative: bool,
    pub little_endian: bool,
    pub string: Option<Base>,
    pub bitmask: Option<u64>,
}

impl Extraction {
    /// Reads the `n`-byte number at `pos` of `buf`; `None` when out of
    /// bounds, too wide, or not a number.
    pub fn read(&self, buf: &[u8], pos: usize, n: usize) -> Option<u64> {
        let max = if self.string.is_some() {
            MAX_STRING_BYTES
        } else {
            MAX_BINARY_BYTES
        };
        if n > usize::from(max) {
            return None;
        }
        let bytes = match (n, self.string) {
            // A string of unstated width: as many characters as are digits.
            (0, Some(_)) => buf.get(pos..(pos + usize::from(MAX_STRING_BYTES)).min(buf.len()))?,
            _ => buf.get(pos..pos.checked_add(n)?)?,
        };
        if bytes.is_empty() {
            return Some(0);
        }
        let mut v = match self.string {
            None => {
                if self.little_endian {
                    bytes.iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
                } else {
                    bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
                }
            }
            Some(base) => parse_ascii_number(bytes, base)?,
        };
        if let Some(mask) = self.bitmask {
            v &= mask;
            if mask != 0 {
                v >>= mask.trailing_zeros();
            }
        }
        Some(v)
    }
}

/// Leading digits in `base` (at least one), as strtoull would read them.
fn parse_ascii_number(bytes: &[u8], base: Base) -> Option<u64> {
    let radix = match base {
        Base::Hex => 16,
        Base::Dec => 10,
        Base::Oct => 8,
    };
    let mut s = bytes;
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    if base == Base::Hex && s.len() > 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' {
        s = &s[2..];
    }
    let mut v: u64 = 0;
    let mut digits = 0;
    for &b in s {
        let Some(d) = (b as char).to_digit(radix) else {
            break;
        };
        v = v.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
        digits += 1;
    }
    (digits > 0).then_some(v)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOp {
    Lt,
    Gt,
    Eq,
    Le,
    Ge,
    And,
    Xor,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteTest {
    pub ex: Extraction,
    pub op: ByteOp,
    pub negated: bool,
    pub value: Value,
    pub relative: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpFrom {
    AfterBytes,
    Beginning,
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteJump {
    pub ex: Extraction,
    pub multiplier: u64,
    pub align: bool,
    pub from: JumpFrom,
    pub post_offset: i64,
    pub relative: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteExtract {
    pub ex: Extraction,
    pub multiplier: u64,
    pub align: u8,
    pub var: u8,
    pub relative: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathOp {
    Add,
    Sub,
    Mul,
    Div,
    Shl,
    Shr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteMath {
    pub ex: Extraction,
    pub op: MathOp,
    pub rvalue: Value,
    pub var: u8,
    pub relative: bool,
}

fn parts(value: &str) -> Vec<&str> {
    value.split(',').map(str::trim).collect()
}

const MAX_BINARY_BYTES: u8 = 8;
const MAX_STRING_BYTES: u8 = 20;

/// The byte count: a literal in range, or a byte variable defined earlier.
/// Only byte_jump may read zero bytes (a pure move by post_offset).
fn nbytes(s: &str, string: bool, kw: &str, vars: &VarNames, allow_zero: bool) -> Result<Value, String> {
    let s = s.trim();
    if let Some(var) = vars.lookup(s) {
        return Ok(Value::Var(var));
    }
    let n: u8 = s.parse().map_err(|_| format!("{kw}: '{s}' is not a byte count"))?;
    let max = if string { MAX_STRING_BYTES } else { MAX_BINARY_BYTES };
    // Zero bytes: byte_jump may move by post_offset alone; a string number
    // may be read up to its first non-digit.
    let min = u8::from(!(allow_zero || string));
    if n < min || n > max {
        return Err(format!("{kw}: byte count {n} must be {min} to {max}"));
    }
    Ok(Value::Lit(i64::from(n)))
}

/// Flags common to the four keywords; returns what it did not recognise.
struct Common {
    relative: bool,
    little_endian: bool,
    string: Option<Base>,
    bitmask: Option<u64>,
    dce: bool,
}

fn common_flags<'a>(flags: &[&'a str], kw: &str) -> Result<(Common, Vec<&'a str>), String> {
    let mut c = Common {
        relative: false,
        little_endian: false,
        string: None,
        bitmask: None,
        dce: false,
    };
    let mut rest = Vec::new();
    let mut saw_string = false;
    for f in flags {
        let mut words = f.split_whitespace();
        let head = words.next().unwrap_or("");
        match head {
            "relative" => c.relative = true,
            "big" => c.little_endian = false,
            "little" => c.little_endian = true,
            "dce" => {
                c.dce = true;
                c.little_endian = true;
            }
            "string" => {
                saw_string = true;
                if let Some(b) = words.next() {
                    c.string = Some(base(b, kw)?);
                } else {
                    c.string.get_or_insert(Base::Dec);
                }
            }
            "hex" | "dec" | "oct" => {
                c.string = Some(base(head, kw)?);
                saw_string = true;
            }
            "bitmask" => {
                let v = words.next().ok_or_else(|| format!("{kw}: bitmask needs a value"))?;
                c.bitmask = Some(parse_u64(v).ok_or_else(|| format!("{kw}: bitmask '{v}' is not a number"))?);
            }
            "endian" => match words.next() {
                Some("big") => c.little_endian = false,
                Some("little") => c.little_endian = true,
                Some("dce") => {
                    c.dce = true;
                    c.little_endian = true;
                }
                other => return Err(format!("{kw}: endian {other:?} must be big, little or dce")),
            },
            _ => rest.push(*f),
        }
    }
    if saw_string && c.string.is_none() {
        c.string = Some(Base::Dec);
    }
    Ok((c, rest))
}

fn base(s: &str, kw: &str) -> Result<Base, String> {
    match s {
        "hex" => Ok(Base::Hex),
        "dec" => Ok(Base::Dec),
        "oct" => Ok(Base::Oct),
        other => Err(format!("{kw}: string base '{other}' must be hex, dec or oct")),
    }
}

fn u64_arg(words: &mut std::str::SplitWhitespace<'_>, kw: &str, what: &str) -> Result<u64, String> {
    let v = words.next().ok_or_else(|| format!("{kw}: {what} needs a value"))?;
    parse_u64(v).ok_or_else(|| format!("{kw}: {what} '{v}' is not a number"))
}

pub fn parse_byte_test(value: &str, vars: &VarNames) -> Result<ByteTest, String> {
    let p = parts(value);
    if p.len() < 4 {
        return Err("byte_test needs bytes, operator, value and offset".into());
    }
    let (c, rest) = common_flags(&p[4..], "byte_test")?;
    if let Some(extra) = rest.first() {
        return Err(format!("byte_test: unknown option '{extra}'"));
    }
    let (negated, op_text) = match p[1].strip_prefix('!') {
        Some(o) if o.is_empty() || o == "=" => (true, "="),
        Some(o) => (true, o),
        None => (false, p[1]),
    };
    let op = match op_text {
        "<" => ByteOp::Lt,
        ">" => ByteOp::Gt,
        "=" => ByteOp::Eq,
        "<=" => ByteOp::Le,
        ">=" => ByteOp::Ge,
        "&" => ByteOp::And,
        "^" => ByteOp::Xor,
        other => return Err(format!("byte_test: unknown operator '{other}'")),
    };
    Ok(ByteTest {
        ex: Extraction {
            nbytes: nbytes(p[0], c.string.is_some(), "byte_test", vars, false)?,
            offset: vars.value(p[3])?,
            relative: c.relative,
            little_endian: c.little_endian,
            string: c.string,
            bitmask: c.bitmask,
        },
        op,
        negated,
        value: vars.value(p[2])?,
        relative: c.relative,
    })
}

pub fn parse_byte_jump(value: &str, vars: &VarNames) -> Result<ByteJump, String> {
    let p = parts(value);
    if p.len() < 2 {
        return Err("byte_jump needs bytes and offset".into());
    }
    let (c, rest) = common_flags(&p[2..], "byte_jump")?;
    let mut j = ByteJump {
        ex: Extraction {
            nbytes: nbytes(p[0], c.string.is_some(), "byte_jump", vars, true)?,
            offset: vars.value(p[1])?,
            relative: c.relative,
            little_endian: c.little_endian,
            string: c.string,
            bitmask: c.bitmask,
        },
        multiplier: 1,
        align: false,
        from: JumpFrom::AfterBytes,
        post_offset: 0,
        relative: c.relative,
    };
    for f in rest {
        let mut words = f.split_whitespace();
        match words.next().unwrap_or("") {
            "multiplier" => j.multiplier = u64_arg(&mut words, "byte_jump", "multiplier")?,
            "align" => j.align = true,
            "from_beginning" => j.from = JumpFrom::Beginning,
            "from_end" => j.from = JumpFrom::End,
            "post_offset" => {
                let v = words.next().ok_or("byte_jump: post_offset needs a value")?;
                j.post_offset = parse_i64(v).ok_or_else(|| format!("byte_jump: post_offset '{v}' is not a number"))?;
            }
            other => return Err(format!("byte_jump: unknown option '{other}'")),
        }
    }
    Ok(j)
}

pub fn parse_byte_extract(value: &str, vars: &mut VarNames) -> Result<ByteExtract, String> {
    let p = parts(value);
    if p.len() < 3 {
        return Err("byte_extract needs bytes, offset and a variable name".into());
    }
    let (c, rest) = common_flags(&p[3..], "byte_extract")?;
    let offset = vars.value(p[1])?;
    let mut e = ByteExtract {
        ex: Extraction {
            nbytes: nbytes(p[0], c.string.is_some(), "byte_extract", vars, false)?,
            offset,
            relative: c.relative,
            little_endian: c.little_endian,
            string: c.string,
            bitmask: c.bitmask,
        },
        multiplier: 1,
        align: 0,
        var: vars.define(p[2])?,
        relative: c.relative,
    };
    for f in rest {
        let mut words = f.split_whitespace();
        match words.next().unwrap_or("") {
            "multiplier" => e.multiplier = u64_arg(&mut words, "byte_extract", "multiplier")?,
            "align" => {
                let a = u64_arg(&mut words, "byte_extract", "align")?;
                if a != 2 && a != 4 {
                    return Err("byte_extract: align must be 2 or 4".into());
                }
                e.align = a as u8;
            }
            other => return Err(format!("byte_extract: unknown option '{other}'")),
        }
    }
    Ok(e)
}

pub fn parse_byte_math(value: &str, vars: &mut VarNames) -> Result<ByteMath, String> {
    let p = parts(value);
    let (c, rest) = common_flags(&p, "byte_math")?;
    let (mut nb, mut offset, mut op, mut rvalue, mut result) = (None, None, None, None, None);
    for f in rest {
        let mut words = f.split_whitespace();
        let key = words.next().unwrap_or("");
        let val = words
            .next()
            .ok_or_else(|| format!("byte_math: '{key}' needs a value"))?;
        match key {
            "bytes" => nb = Some(val),
            "offset" => offset = Some(val),
            "oper" => {
                op = Some(match val {
                    "+" => MathOp::Add,
                    "-" => MathOp::Sub,
                    "*" => MathOp::Mul,
                    "/" => MathOp::Div,
                    "<<" => MathOp::Shl,
                    ">>" => MathOp::Shr,
                    other => return Err(format!("byte_math: unknown operator '{other}'")),
                })
            }
            "rvalue" => rvalue = Some(val),
            "result" => result = Some(val),
            other => return Err(format!("byte_math: unknown option '{other}'")),
        }
    }
    let nb = nb.ok_or("byte_math needs 'bytes'")?;
    let ex = Extraction {
        nbytes: nbytes(nb, c.string.is_some(), "byte_math", vars, false)?,
        offset: vars.value(offset.ok_or("byte_math needs 'offset'")?)?,
        relative: c.relative,
        little_endian: c.little_endian,
        string: c.string,
        bitmask: c.bitmask,
    };
    let rvalue = vars.value(rvalue.ok_or("byte_math needs 'rvalue'")?)?;
    if rvalue == Value::Lit(0) && op == Some(MathOp::Div) {
        return Err("byte_math: division by zero".into());
    }
    Ok(ByteMath {
        ex,
        op: op.ok_or("byte_math needs 'oper'")?,
        rvalue,
        var: vars.define(result.ok_or("byte_math needs 'result'")?)?,
        relative: c.relative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_binary_string_bitmask() {
        let mut ex = Extraction {
            nbytes: Value::Lit(2),
            offset: Value::Lit(0),
            relative: false,
            little_endian: false,
            string: None,
            bitmask: None,
        };
        assert_eq!(ex.read(&[0x01, 0x02, 0x03], 1, 2), Some(0x0203));
        assert_eq!(ex.read(&[0x01, 0x02, 0x03], 1, 0), Some(0));
        assert_eq!(ex.read(&[0x01; 16], 0, 9), None);
        ex.little_endian = true;
        assert_eq!(ex.read(&[0x01, 0x02, 0x03], 1, 2), Some(0x0302));
        assert_eq!(ex.read(&[0x01, 0x02, 0x03], 2, 2), None);
        ex.little_endian = false;
        ex.bitmask = Some(0x0ff0);
        assert_eq!(ex.read(&[0x12, 0x34], 0, 2), Some(0x23));
        ex.bitmask = None;
        ex.string = Some(Base::Dec);
        assert_eq!(ex.read(b"12ab", 0, 4), Some(12));
        assert_eq!(ex.read(b"ab12", 0, 4), None);
        ex.string = Some(Base::Hex);
        assert_eq!(ex.read(b"1aXX", 0, 4), Some(0x1a));
        assert_eq!(ex.read(b"0x1f", 0, 4), Some(0x1f));
    }

    #[test]
    fn parse_all_four() {
        let mut vars = VarNames::default();
        let e = parse_byte_extract("2, 0, len, relative, little", &mut vars).unwrap();
        assert_eq!(e.var, 0);
        assert!(e.relative && e.ex.little_endian);
        let t = parse_byte_test("2, !>, len, 4, relative, string, hex", &vars).unwrap();
        assert!(t.negated);
        assert_eq!(t.op, ByteOp::Gt);
        assert_eq!(t.value, Value::Var(0));
        assert_eq!(t.ex.string, Some(Base::Hex));
        let j = parse_byte_jump("len, 12, relative, multiplier 2, align, post_offset -3", &vars).unwrap();
        assert_eq!(j.ex.nbytes, Value::Var(0));
        assert_eq!((j.multiplier, j.align, j.post_offset), (2, true, -3));
        let m = parse_byte_math("bytes 2, offset 0, oper +, rvalue len, result sum, relative", &mut vars).unwrap();
        assert_eq!(m.var, 1);
        assert_eq!(m.rvalue, Value::Var(0));
    }

    #[test]
    fn errors() {
        let mut vars = VarNames::default();
        assert!(parse_byte_test("2, >, 1", &vars).is_err());
        assert!(parse_byte_test("9, >, 1, 0", &vars).is_err());
        assert!(parse_byte_test("0, >, 1, 0", &vars).is_err());
        assert!(parse_byte_test("0,=,0,0,string,dec", &vars).is_ok());
        assert!(parse_byte_jump("0, 0, relative, post_offset -8", &vars).is_ok());
        assert!(parse_byte_test("2, ?, 1, 0", &vars).is_err());
        assert!(parse_byte_test("2, >, nosuchvar, 0", &vars).is_err());
        assert!(parse_byte_jump("2, 0, bogus", &vars).is_err());
        assert!(parse_byte_extract("2, 0, bad name!", &mut vars).is_err());
        assert!(parse_byte_math("bytes 2, offset 0, oper /, rvalue 0, result r", &mut vars).is_err());
        assert!(parse_byte_math("bytes 2, offset 0, rvalue 1, result r", &mut vars).is_err());
    }
}
