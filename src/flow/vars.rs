//! Variables rules keep on a flow: flowbits (named booleans) and flowints
//! (named counters). Names are interned to small ids by the rule compiler.

/// At most this many distinct variables per flow: a rule set cannot make a
/// flow grow without bound.
pub const MAX_VARS_PER_FLOW: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct FlowVars {
    bits: Vec<u32>,
    ints: Vec<(u32, i64)>,
}

impl FlowVars {
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty() && self.ints.is_empty()
    }

    /// The flowbits currently set.
    pub fn bits(&self) -> &[u32] {
        &self.bits
    }

    pub fn isset(&self, bit: u32) -> bool {
        self.bits.contains(&bit)
    }

    pub fn set(&mut self, bit: u32) {
        if !self.bits.contains(&bit) && self.bits.len() < MAX_VARS_PER_FLOW {
            self.bits.push(bit);
        }
    }

    pub fn unset(&mut self, bit: u32) {
        self.bits.retain(|b| *b != bit);
    }

    pub fn toggle(&mut self, bit: u32) {
        if self.isset(bit) {
            self.unset(bit)
        } else {
            self.set(bit)
        }
    }

    pub fn int(&self, var: u32) -> Option<i64> {
        self.ints.iter().find(|(v, _)| *v == var).map(|(_, n)| *n)
    }

    pub fn set_int(&mut self, var: u32, value: i64) {
        if let Some(slot) = self.ints.iter_mut().find(|(v, _)| *v == var) {
            slot.1 = value;
        } else if self.ints.len() < MAX_VARS_PER_FLOW {
            self.ints.push((var, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_ints() {
        let mut v = FlowVars::default();
        assert!(v.is_empty());
        v.set(3);
        v.set(3);
        assert!(v.isset(3));
        v.toggle(3);
        assert!(!v.isset(3));
        v.toggle(4);
        assert!(v.isset(4));
        v.set_int(1, 5);
        v.set_int(1, 7);
        assert_eq!(v.int(1), Some(7));
        assert_eq!(v.int(2), None);
    }

    #[test]
    fn bounded() {
        let mut v = FlowVars::default();
        for i in 0..1000 {
            v.set(i);
            v.set_int(i, 1);
        }
        assert_eq!(v.bits.len(), MAX_VARS_PER_FLOW);
        assert_eq!(v.ints.len(), MAX_VARS_PER_FLOW);
    }
}
