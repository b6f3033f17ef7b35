//! Approximate distinct counting in fixed memory: a linear-counting bitmap
//! (each value sets one hashed bit; the count is estimated from the share
//! of bits still clear). Accurate to a few percent well past the thresholds
//! rate rules use, and never larger than its bitmap.

/// Bits in the bitmap: 2048 bits (256 bytes) estimate up to ~10,000 values.
const BITS: usize = 2048;
const WORDS: usize = BITS / 64;
/// Bit positions kept inline before the bitmap is allocated: most keys
/// (a spoofed source, a one-off client) never see more than a few values.
const INLINE: usize = 10;

#[derive(Clone, Debug)]
enum Bits {
    Few { len: u8, positions: [u16; INLINE] },
    Many(Box<[u64; WORDS]>),
}

#[derive(Clone, Debug)]
pub struct DistinctCounter {
    bits: Bits,
}

impl Default for DistinctCounter {
    fn default() -> Self {
        DistinctCounter {
            bits: Bits::Few {
                len: 0,
                positions: [0; INLINE],
            },
        }
    }
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Sets `bit`; true when it was clear.
fn set(words: &mut [u64; WORDS], bit: usize) -> bool {
    let (word, mask) = (&mut words[bit / 64], 1u64 << (bit % 64));
    let was_clear = *word & mask == 0;
    *word |= mask;
    was_clear
}

impl DistinctCounter {
    /// Counts `value`; true when it set a bit not set before (the
    /// estimate grew).
    pub fn insert(&mut self, value: u64) -> bool {
        let bit = (mix(value) as usize) % BITS;
        match &mut self.bits {
            Bits::Many(words) => set(words, bit),
            Bits::Few { len, positions } => {
                let used = &positions[..usize::from(*len)];
                if used.contains(&(bit as u16)) {
                    return false;
                }
                if used.len() < INLINE {
                    positions[used.len()] = bit as u16;
                    *len += 1;
                    return true;
                }
                let mut words = Box::new([0u64; WORDS]);
                used.iter().for_each(|&p| {
                    set(&mut words, usize::from(p));
                });
                set(&mut words, bit);
                self.bits = Bits::Many(words);
                true
            }
        }
    }

    /// Forgets every value (and gives back the bitmap).
    pub fn clear(&mut self) {
        *self = DistinctCounter::default();
    }

    /// ORs this counter's bits into `words`.
    fn or_into(&self, words: &mut [u64; WORDS]) {
        match &self.bits {
            Bits::Many(mine) => words.iter_mut().zip(mine.iter()).for_each(|(w, m)| *w |= m),
            Bits::Few { len, positions } => positions[..usize::from(*len)].iter().for_each(|&p| {
                set(words, usize::from(p));
            }),
        }
    }

    /// Estimated number of distinct values inserted into `self` or `other`.
    pub fn estimate_union(&self, other: Option<&DistinctCounter>) -> u64 {
        let mut words = [0u64; WORDS];
        self.or_into(&mut words);
        if let Some(o) = other {
            o.or_into(&mut words);
        }
        let set: u32 = words.iter().map(|w| w.count_ones()).sum();
        let zero = BITS as f64 - f64::from(set);
        if zero < 1.0 {
            // Saturated: report the largest value the bitmap can speak for.
            return (BITS as f64 * (BITS as f64).ln()) as u64;
        }
        (-(BITS as f64) * (zero / BITS as f64).ln()).round() as u64
    }

    /// Heap bytes this counter holds beyond its own size.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        match self.bits {
            Bits::Many(_) => WORDS * 8,
            Bits::Few { .. } => 0,
        }
    }
}

/// Hashes a byte string into a distinct-counter value.
pub fn hash_bytes(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_close() {
        for n in [0u64, 1, 10, 100, 500, 1000, 3000] {
            let mut c = DistinctCounter::default();
            for v in 0..n {
                c.insert(v);
                c.insert(v); // duplicates do not count
            }
            let e = c.estimate_union(None) as f64;
            let err = (e - n as f64).abs() / (n.max(1) as f64);
            assert!(err < 0.08, "n={n} estimate={e}");
        }
    }

    #[test]
    fn union_of_two_windows() {
        let mut a = DistinctCounter::default();
        let mut b = DistinctCounter::default();
        (0..100u64).for_each(|v| {
            a.insert(v);
        });
        (50..150u64).for_each(|v| {
            b.insert(v);
        });
        let e = a.estimate_union(Some(&b));
        assert!((140..=160).contains(&e), "{e}");
        a.clear();
        assert_eq!(a.estimate_union(None), 0);
        assert_eq!(a.heap_bytes(), 0);
    }

    #[test]
    fn few_values_stay_inline_and_count_the_same() {
        let mut c = DistinctCounter::default();
        (0..INLINE as u64).for_each(|v| {
            c.insert(v);
        });
        assert_eq!(c.heap_bytes(), 0);
        let inline_estimate = c.estimate_union(None);
        assert!((9..=11).contains(&inline_estimate), "{inline_estimate}");
        c.insert(1_000);
        assert_eq!(c.heap_bytes(), 256);
        let e = c.estimate_union(None);
        assert!((10..=12).contains(&e), "{e}");
    }

    #[test]
    fn saturation_is_bounded() {
        let mut c = DistinctCounter::default();
        (0..1_000_000u64).for_each(|v| {
            c.insert(v);
        });
        assert!(c.estimate_union(None) >= 10_000);
    }
}
