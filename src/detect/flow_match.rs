//! Rule conditions on the flow (`flow`, `flowbits` reads, `flowint`
//! comparisons, `stream_size`) and the changes a matching rule makes to it.

use crate::flow::{Direction, Flow};
use crate::rules::Rule;
use crate::rules::flow_keywords::{FlowDirection, FlowbitCmd, FlowintCmd, IntOperand, StreamSide};

/// The `flow` keyword for a packet travelling `dir` on `flow`.
pub fn flow_keyword_matches(rule: &Rule, flow: &Flow, dir: Direction, fragment: bool) -> bool {
    let f = &rule.flow;
    if let Some(want) = f.established
        && flow.is_established() != want
    {
        return false;
    }
    match f.direction {
        Some(FlowDirection::ToServer) if dir != Direction::ToServer => return false,
        Some(FlowDirection::ToClient) if dir != Direction::ToClient => return false,
        _ => {}
    }
    match f.frag {
        // Only reassembled fragments qualify, and none are reassembled here.
        Some(true) => false,
        Some(false) => !fragment,
        None => true,
    }
}

/// flowbits isset/isnotset, flowint comparisons and stream_size.
pub fn state_conditions_match(rule: &Rule, flow: &Flow) -> bool {
    for cmd in &rule.flowbits {
        let ok = match cmd {
            FlowbitCmd::IsSet { bits, any: true } => bits.iter().any(|b| flow.vars.isset(*b)),
            FlowbitCmd::IsSet { bits, any: false } => bits.iter().all(|b| flow.vars.isset(*b)),
            FlowbitCmd::IsNotSet { bits, any: true } => bits.iter().any(|b| !flow.vars.isset(*b)),
            FlowbitCmd::IsNotSet { bits, any: false } => bits.iter().all(|b| !flow.vars.isset(*b)),
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    for cmd in &rule.flowints {
        let ok = match *cmd {
            FlowintCmd::IsSet(v) => flow.vars.int(v).is_some(),
            FlowintCmd::IsNotSet(v) => flow.vars.int(v).is_none(),
            FlowintCmd::Compare(v, op, operand) => match (flow.vars.int(v), operand_value(flow, operand)) {
                (Some(a), Some(b)) => op.eval(i128::from(a), i128::from(b)),
                _ => false,
            },
            // Modifiers need the target (if a variable) to exist to apply.
            FlowintCmd::Set(_, o) | FlowintCmd::Add(_, o) | FlowintCmd::Sub(_, o) => operand_value(flow, o).is_some(),
        };
        if !ok {
            return false;
        }
    }
    if let Some(ss) = &rule.stream_size {
        let Some(tcp) = &flow.tcp else { return false };
        let (client, server) = (tcp.stream_bytes(0), tcp.stream_bytes(1));
        let cmp = |v: Option<u64>| v.is_some_and(|v| ss.op.eval(i128::from(v), i128::from(ss.value)));
        let ok = match ss.side {
            StreamSide::Client => cmp(client),
            StreamSide::Server => cmp(server),
            StreamSide::Both => cmp(client) && cmp(server),
            StreamSide::Either => cmp(client) || cmp(server),
        };
        if !ok {
            return false;
        }
    }
    true
}

fn operand_value(flow: &Flow, o: IntOperand) -> Option<i64> {
    match o {
        IntOperand::Lit(n) => Some(n),
        IntOperand::Var(v) => flow.vars.int(v),
    }
}

/// Applies flowbit and flowint changes of a rule that matched.
pub fn apply_post_match(rule: &Rule, flow: &mut Flow) {
    for cmd in &rule.flowbits {
        match cmd {
            FlowbitCmd::Set(bits) => bits.iter().for_each(|b| flow.vars.set(*b)),
            FlowbitCmd::Unset(bits) => bits.iter().for_each(|b| flow.vars.unset(*b)),
            FlowbitCmd::Toggle(bits) => bits.iter().for_each(|b| flow.vars.toggle(*b)),
            _ => {}
        }
    }
    for cmd in &rule.flowints {
        match *cmd {
            FlowintCmd::Set(v, o) => {
                if let Some(n) = operand_value(flow, o) {
                    flow.vars.set_int(v, n);
                }
            }
            FlowintCmd::Add(v, o) => {
                if let Some(n) = operand_value(flow, o) {
                    let cur = flow.vars.int(v).unwrap_or(0);
                    flow.vars.set_int(v, cur.saturating_add(n));
                }
            }
            FlowintCmd::Sub(v, o) => {
                if let Some(n) = operand_value(flow, o) {
                    let cur = flow.vars.int(v).unwrap_or(0);
                    flow.vars.set_int(v, cur.saturating_sub(n));
                }
            }
            _ => {}
        }
    }
}
