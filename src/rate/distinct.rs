//! Approximate distinct counting in fixed memory: a linear-counting bitmap
//! (each value sets one hashed bit; the count is estimated from the share
//! of bits still clear). Accurate to a few percent well past the thresholds
//! rate rules use, and never larger than its bitmap.

/// Bits in the bitmap: 2048 bits (256 bytes) estimate up to ~10,000 values.
const BITS: usize = 2048;

#[derive(Clone, Debug)]
pub struct DistinctCounter {
    words: Box<[u64; BITS / 64]>,
}

impl Default for DistinctCounter {
    fn default() -> Self {
        DistinctCounter {
            words: Box::new([0; BITS / 64]),
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

impl DistinctCounter {
    pub fn insert(&mut self, value: u64) {
        let bit = (mix(value) as usize) % BITS;
        self.words[bit / 64] |= 1 << (bit % 64);
    }

    pub fn clear(&mut self) {
        self.words.iter_mut().for_each(|w| *w = 0);
    }

    /// Estimated number of distinct values inserted into `self` or `other`.
    pub fn estimate_union(&self, other: Option<&DistinctCounter>) -> u64 {
        let set: u32 = match other {
            Some(o) => self
                .words
                .iter()
                .zip(o.words.iter())
                .map(|(a, b)| (a | b).count_ones())
                .sum(),
            None => self.words.iter().map(|w| w.count_ones()).sum(),
        };
        let zero = BITS as f64 - f64::from(set);
        if zero < 1.0 {
            // Saturated: report the largest value the bitmap can speak for.
            return (BITS as f64 * (BITS as f64).ln()) as u64;
        }
        (-(BITS as f64) * (zero / BITS as f64).ln()).round() as u64
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
        (0..100u64).for_each(|v| a.insert(v));
        (50..150u64).for_each(|v| b.insert(v));
        let e = a.estimate_union(Some(&b));
        assert!((140..=160).contains(&e), "{e}");
        a.clear();
        assert_eq!(a.estimate_union(None), 0);
    }

    #[test]
    fn saturation_is_bounded() {
        let mut c = DistinctCounter::default();
        (0..1_000_000u64).for_each(|v| c.insert(v));
        assert!(c.estimate_union(None) >= 10_000);
    }
}
