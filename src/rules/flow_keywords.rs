//! Flow keywords: `flow`, `flowbits`, `flowint` and `stream_size`, and the
//! name table that turns flowbit/flowint names into small ids.

use super::numeric::parse_u64;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowDirection {
    ToServer,
    ToClient,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StreamScope {
    #[default]
    Any,
    OnlyStream,
    NoStream,
}

/// The `flow` keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FlowMatch {
    pub established: Option<bool>,
    pub direction: Option<FlowDirection>,
    pub stream: StreamScope,
    /// `flow:only_frag` / `no_frag`.
    pub frag: Option<bool>,
}

pub fn parse_flow(value: &str) -> Result<FlowMatch, String> {
    let mut f = FlowMatch::default();
    for word in value.split(',').map(str::trim) {
        match word {
            "established" => set_once(&mut f.established, true, word)?,
            "not_established" => set_once(&mut f.established, false, word)?,
            "stateless" => {}
            "to_server" | "from_client" => set_once(&mut f.direction, FlowDirection::ToServer, word)?,
            "to_client" | "from_server" => set_once(&mut f.direction, FlowDirection::ToClient, word)?,
            "only_stream" => f.stream = StreamScope::OnlyStream,
            "no_stream" => f.stream = StreamScope::NoStream,
            "only_frag" => f.frag = Some(true),
            "no_frag" => f.frag = Some(false),
            other => return Err(format!("flow: unknown option '{other}'")),
        }
    }
    Ok(f)
}

fn set_once<T: PartialEq + Copy>(slot: &mut Option<T>, v: T, word: &str) -> Result<(), String> {
    match slot {
        Some(existing) if *existing != v => Err(format!("flow: '{word}' contradicts an earlier option")),
        _ => {
            *slot = Some(v);
            Ok(())
        }
    }
}

/// Interned names of flowbits and flowints, shared by a whole rule set.
#[derive(Clone, Debug, Default)]
pub struct NameTable {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl NameTable {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    /// Every (id, name) interned.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names.iter().enumerate().map(|(i, n)| (i as u32, n.as_str()))
    }

    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map(String::as_str).unwrap_or("?")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowbitCmd {
    Set(Vec<u32>),
    Unset(Vec<u32>),
    Toggle(Vec<u32>),
    /// `isset`: all bits set (`&` or single), or any (`|`).
    IsSet {
        bits: Vec<u32>,
        any: bool,
    },
    IsNotSet {
        bits: Vec<u32>,
        any: bool,
    },
    NoAlert,
}

impl FlowbitCmd {
    pub fn writes(&self) -> bool {
        matches!(self, FlowbitCmd::Set(_) | FlowbitCmd::Unset(_) | FlowbitCmd::Toggle(_))
    }

    pub fn reads(&self) -> bool {
        matches!(self, FlowbitCmd::IsSet { .. } | FlowbitCmd::IsNotSet { .. })
    }
}

pub fn parse_flowbits(value: &str, names: &mut NameTable) -> Result<FlowbitCmd, String> {
    let (cmd, arg) = match value.split_once(',') {
        Some((c, a)) => (c.trim(), Some(a.trim())),
        None => (value.trim(), None),
    };
    if cmd == "noalert" {
        return match arg {
            None => Ok(FlowbitCmd::NoAlert),
            Some(_) => Err("flowbits:noalert takes no name".into()),
        };
    }
    let arg = arg
        .filter(|a| !a.is_empty())
        .ok_or_else(|| format!("flowbits:{cmd} needs a name"))?;
    let has_or = arg.contains('|');
    let has_and = arg.contains('&');
    if has_or && has_and {
        return Err("flowbits: cannot mix '|' and '&'".into());
    }
    let bits: Vec<u32> = arg
        .split(['|', '&'])
        .map(str::trim)
        .map(|n| {
            if n.is_empty() || n.contains(char::is_whitespace) {
                Err(format!("flowbits: invalid name '{n}'"))
            } else {
                Ok(names.intern(n))
            }
        })
        .collect::<Result<_, _>>()?;
    match cmd {
        "set" | "unset" | "toggle" if has_or => Err(format!("flowbits:{cmd} cannot use '|'")),
        "set" => Ok(FlowbitCmd::Set(bits)),
        "unset" => Ok(FlowbitCmd::Unset(bits)),
        "toggle" => Ok(FlowbitCmd::Toggle(bits)),
        "isset" => Ok(FlowbitCmd::IsSet { bits, any: has_or }),
        "isnotset" => Ok(FlowbitCmd::IsNotSet { bits, any: has_or }),
        other => Err(format!("flowbits: unknown command '{other}'")),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOperand {
    Lit(i64),
    Var(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntCmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowintCmd {
    Set(u32, IntOperand),
    Add(u32, IntOperand),
    Sub(u32, IntOperand),
    Compare(u32, IntCmpOp, IntOperand),
    IsSet(u32),
    IsNotSet(u32),
}

impl FlowintCmd {
    pub fn writes(&self) -> bool {
        matches!(self, FlowintCmd::Set(..) | FlowintCmd::Add(..) | FlowintCmd::Sub(..))
    }
}

pub fn parse_flowint(value: &str, names: &mut NameTable) -> Result<FlowintCmd, String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let name = *parts
        .first()
        .filter(|n| !n.is_empty())
        .ok_or("flowint needs a variable name")?;
    let var = names.intern(&format!("int:{name}"));
    let op = *parts.get(1).ok_or("flowint needs an operator")?;
    match op {
        "isset" => return Ok(FlowintCmd::IsSet(var)),
        "notset" | "isnotset" => return Ok(FlowintCmd::IsNotSet(var)),
        _ => {}
    }
    let operand_text = *parts.get(2).ok_or_else(|| format!("flowint: '{op}' needs a value"))?;
    if parts.len() > 3 {
        return Err("flowint: too many arguments".into());
    }
    let operand = match operand_text
        .parse::<i64>()
        .ok()
        .or_else(|| parse_u64(operand_text).map(|v| v as i64))
    {
        Some(n) => IntOperand::Lit(n),
        None if !operand_text.is_empty() => IntOperand::Var(names.intern(&format!("int:{operand_text}"))),
        None => return Err("flowint: empty value".into()),
    };
    Ok(match op {
        "=" => FlowintCmd::Set(var, operand),
        "+" => FlowintCmd::Add(var, operand),
        "-" => FlowintCmd::Sub(var, operand),
        "==" => FlowintCmd::Compare(var, IntCmpOp::Eq, operand),
        "!=" => FlowintCmd::Compare(var, IntCmpOp::Ne, operand),
        "<" => FlowintCmd::Compare(var, IntCmpOp::Lt, operand),
        ">" => FlowintCmd::Compare(var, IntCmpOp::Gt, operand),
        "<=" => FlowintCmd::Compare(var, IntCmpOp::Le, operand),
        ">=" => FlowintCmd::Compare(var, IntCmpOp::Ge, operand),
        other => return Err(format!("flowint: unknown operator '{other}'")),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamSide {
    Server,
    Client,
    Both,
    Either,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamSize {
    pub side: StreamSide,
    pub op: IntCmpOp,
    pub value: u64,
}

pub fn parse_stream_size(value: &str) -> Result<StreamSize, String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let [side, op, n] = parts[..] else {
        return Err("stream_size needs side, operator and value".into());
    };
    let side = match side {
        "server" => StreamSide::Server,
        "client" => StreamSide::Client,
        "both" => StreamSide::Both,
        "either" => StreamSide::Either,
        other => return Err(format!("stream_size: unknown side '{other}'")),
    };
    let op = match op {
        "=" | "==" => IntCmpOp::Eq,
        "!=" => IntCmpOp::Ne,
        "<" => IntCmpOp::Lt,
        ">" => IntCmpOp::Gt,
        "<=" => IntCmpOp::Le,
        ">=" => IntCmpOp::Ge,
        other => return Err(format!("stream_size: unknown operator '{other}'")),
    };
    let value = parse_u64(n).ok_or_else(|| format!("stream_size: '{n}' is not a number"))?;
    Ok(StreamSize { side, op, value })
}

impl IntCmpOp {
    pub fn eval(self, a: i128, b: i128) -> bool {
        match self {
            IntCmpOp::Eq => a == b,
            IntCmpOp::Ne => a != b,
            IntCmpOp::Lt => a < b,
            IntCmpOp::Gt => a > b,
            IntCmpOp::Le => a <= b,
            IntCmpOp::Ge => a >= b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_options() {
        let f = parse_flow("to_server, established").unwrap();
        assert_eq!(f.direction, Some(FlowDirection::ToServer));
        assert_eq!(f.established, Some(true));
        assert_eq!(
            parse_flow("from_server,no_stream").unwrap().stream,
            StreamScope::NoStream
        );
        assert!(parse_flow("to_server,to_client").is_err());
        assert!(parse_flow("sideways").is_err());
    }

    #[test]
    fn flowbits_groups() {
        let mut n = NameTable::default();
        assert_eq!(parse_flowbits("set,a&b", &mut n).unwrap(), FlowbitCmd::Set(vec![0, 1]));
        assert_eq!(
            parse_flowbits("isset,a|c", &mut n).unwrap(),
            FlowbitCmd::IsSet {
                bits: vec![0, 2],
                any: true
            }
        );
        assert_eq!(parse_flowbits("noalert", &mut n).unwrap(), FlowbitCmd::NoAlert);
        assert!(parse_flowbits("set,a|b", &mut n).is_err());
        assert!(parse_flowbits("isset", &mut n).is_err());
        assert!(parse_flowbits("frob,a", &mut n).is_err());
        assert!(parse_flowbits("isset,a|b&c", &mut n).is_err());
    }

    #[test]
    fn flowint_forms() {
        let mut n = NameTable::default();
        assert_eq!(
            parse_flowint("cnt, +, 1", &mut n).unwrap(),
            FlowintCmd::Add(0, IntOperand::Lit(1))
        );
        assert_eq!(
            parse_flowint("cnt, >=, max", &mut n).unwrap(),
            FlowintCmd::Compare(0, IntCmpOp::Ge, IntOperand::Var(1))
        );
        assert_eq!(parse_flowint("cnt, notset", &mut n).unwrap(), FlowintCmd::IsNotSet(0));
        assert!(parse_flowint("cnt, ~, 1", &mut n).is_err());
        assert!(parse_flowint("cnt", &mut n).is_err());
    }

    #[test]
    fn stream_size_forms() {
        let s = parse_stream_size("server,>,100").unwrap();
        assert_eq!((s.side, s.op, s.value), (StreamSide::Server, IntCmpOp::Gt, 100));
        assert!(parse_stream_size("server,>").is_err());
        assert!(parse_stream_size("up,>,1").is_err());
    }
}
