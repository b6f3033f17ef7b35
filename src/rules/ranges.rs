//! Sorted, disjoint inclusive ranges of integers: the representation behind
//! address and port sets, with the set algebra rule lists need.

/// Integer types a range set can hold.
pub trait Bound: Copy + Ord + std::fmt::Debug {
    const MIN: Self;
    const MAX: Self;
    fn succ(self) -> Option<Self>;
    fn pred(self) -> Option<Self>;
}

macro_rules! bound {
    ($t:ty) => {
        impl Bound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        }
    };
}
bound!(u16);
bound!(u32);
bound!(u128);

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RangeSet<T: Bound> {
    ranges: Vec<(T, T)>,
}

impl<T: Bound> RangeSet<T> {
    pub fn empty() -> Self {
        RangeSet { ranges: Vec::new() }
    }

    pub fn full() -> Self {
        RangeSet {
            ranges: vec![(T::MIN, T::MAX)],
        }
    }

    pub fn single(lo: T, hi: T) -> Self {
        if lo <= hi {
            RangeSet { ranges: vec![(lo, hi)] }
        } else {
            Self::empty()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.ranges == [(T::MIN, T::MAX)]
    }

    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    pub fn contains(&self, v: T) -> bool {
        // Ranges are sorted and disjoint: find the last range starting at or before v.
        let idx = self.ranges.partition_point(|(lo, _)| *lo <= v);
        idx > 0 && self.ranges[idx - 1].1 >= v
    }

    pub fn union(&self, other: &Self) -> Self {
        let mut all: Vec<(T, T)> = self.ranges.iter().chain(other.ranges.iter()).copied().collect();
        all.sort();
        let mut out: Vec<(T, T)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            if let Some(last) = out.last_mut() {
                let touches = match last.1.succ() {
                    Some(next) => lo <= next,
                    None => true,
                };
                if touches {
                    last.1 = last.1.max(hi);
                    continue;
                }
            }
            out.push((lo, hi));
        }
        RangeSet { ranges: out }
    }

    pub fn complement(&self) -> Self {
        let mut out = Vec::new();
        let mut next = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let Some(start) = next
                && start < lo
                && let Some(end) = lo.pred()
            {
                out.push((start, end));
            }
            next = hi.succ();
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        RangeSet { ranges: out }
    }

    pub fn minus(&self, other: &Self) -> Self {
        self.intersect(&other.complement())
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a_lo, a_hi) = self.ranges[i];
            let (b_lo, b_hi) = other.ranges[j];
            let lo = a_lo.max(b_lo);
            let hi = a_hi.min(b_hi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a_hi < b_hi { i += 1 } else { j += 1 }
        }
        RangeSet { ranges: out }
    }

    /// Number of values covered, saturating (used to judge "wide" port sets).
    pub fn count_saturating(&self) -> u128
    where
        T: Into<u128>,
    {
        self.ranges
            .iter()
            .map(|&(lo, hi)| (hi.into() - lo.into()).saturating_add(1))
            .fold(0u128, |a, b| a.saturating_add(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_adjacent() {
        let a = RangeSet::single(1u16, 5)
            .union(&RangeSet::single(6, 9))
            .union(&RangeSet::single(20, 30));
        assert_eq!(a.ranges(), &[(1, 9), (20, 30)]);
        assert!(a.contains(7) && a.contains(20) && !a.contains(10) && !a.contains(0));
    }

    #[test]
    fn complement_and_minus() {
        let a = RangeSet::single(10u16, 20);
        assert_eq!(a.complement().ranges(), &[(0, 9), (21, u16::MAX)]);
        assert!(RangeSet::<u16>::full().complement().is_empty());
        assert!(RangeSet::<u16>::empty().complement().is_full());
        let b = RangeSet::<u16>::full().minus(&RangeSet::single(80, 80));
        assert!(!b.contains(80) && b.contains(79) && b.contains(81));
        assert_eq!(RangeSet::single(0u16, u16::MAX).complement(), RangeSet::empty());
    }

    #[test]
    fn intersect() {
        let a = RangeSet::single(0u32, 100).union(&RangeSet::single(200, 300));
        let b = RangeSet::single(50u32, 250);
        assert_eq!(a.intersect(&b).ranges(), &[(50, 100), (200, 250)]);
        assert_eq!(a.count_saturating(), 202);
    }
}
