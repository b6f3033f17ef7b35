//! Ephemeral client ports handed out one after another, as most TCP stacks do.

use super::rng::Rng;

const FIRST: u16 = 32768;
const LAST: u16 = 60999;

/// Sequential ephemeral ports in 32768..=60999, starting at a random point and wrapping.
#[derive(Clone, Debug)]
pub struct EphemeralPorts {
    next: u16,
}

impl EphemeralPorts {
    pub fn new(rng: &mut Rng) -> Self {
        EphemeralPorts {
            next: rng.range(u64::from(FIRST), u64::from(LAST) + 1) as u16,
        }
    }

    /// The next port; no port repeats before 28,232 others have been used.
    pub fn take(&mut self) -> u16 {
        let port = self.next;
        self.next = if port >= LAST { FIRST } else { port + 1 };
        port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_wrap_inside_the_range() {
        let mut p = EphemeralPorts { next: LAST };
        assert_eq!((p.take(), p.take(), p.take()), (LAST, FIRST, FIRST + 1));
        let mut p = EphemeralPorts::new(&mut Rng::new(3));
        let first = p.take();
        assert!((FIRST..=LAST).contains(&first));
        assert_ne!(first, p.take());
    }
}
