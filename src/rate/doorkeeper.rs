//! Admission for rate trackers: a key gets a tracker the second time it is
//! seen, not the first. Spoofed floods send each forged source once, so they
//! pass through without taking (and churning) trackers, and the trackers of
//! real attackers are not evicted by them. Two generations of a fixed bitmap,
//! rotated as they fill, so memory is constant and old sightings fade.

/// Bits per generation: 2^21 (256 KiB).
const BITS: usize = 1 << 21;
const WORDS: usize = BITS / 64;
/// A generation is retired after this many new keys (1/8 of its bits set):
/// about one key in eight is then admitted on its first sighting.
const ROTATE_AFTER: usize = BITS / 8;

pub struct Doorkeeper {
    current: Box<[u64]>,
    previous: Box<[u64]>,
    marked: usize,
}

impl Default for Doorkeeper {
    fn default() -> Self {
        Doorkeeper {
            current: vec![0; WORDS].into_boxed_slice(),
            previous: vec![0; WORDS].into_boxed_slice(),
            marked: 0,
        }
    }
}

fn locate(hash: u64) -> (usize, u64) {
    let bit = (hash as usize) % BITS;
    (bit / 64, 1u64 << (bit % 64))
}

impl Doorkeeper {
    /// True when `hash` was seen before (in this generation or the last);
    /// otherwise remembers it and returns false.
    pub fn admit(&mut self, hash: u64) -> bool {
        let (word, mask) = locate(hash);
        if self.current[word] & mask != 0 || self.previous[word] & mask != 0 {
            return true;
        }
        self.current[word] |= mask;
        self.marked += 1;
        if self.marked >= ROTATE_AFTER {
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.iter_mut().for_each(|w| *w = 0);
            self.marked = 0;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sighting_is_admitted() {
        let mut d = Doorkeeper::default();
        assert!(!d.admit(42));
        assert!(d.admit(42));
        assert!(!d.admit(43));
    }

    #[test]
    fn a_million_one_off_keys_are_mostly_refused_and_memory_stays_fixed() {
        let mut d = Doorkeeper::default();
        let mix = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 29);
        let admitted = (0..1_000_000u64).filter(|&i| d.admit(mix(i))).count();
        // Rotating at 1/8 full keeps first-sighting false admissions near 1 in 8 or fewer.
        assert!(admitted < 200_000, "{admitted}");
        assert_eq!(d.current.len() + d.previous.len(), 2 * WORDS);
    }

    #[test]
    fn a_key_seen_again_after_a_rotation_is_still_known() {
        let mut d = Doorkeeper::default();
        assert!(!d.admit(7));
        for i in 0..ROTATE_AFTER as u64 {
            d.admit(i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1 << 63);
        }
        assert!(d.admit(7));
    }
}
