//! Out-of-order TCP data waiting for the bytes before it: disjoint byte
//! runs keyed by stream offset, with the overlap policy deciding which copy
//! of a byte wins when segments disagree.

use std::collections::BTreeMap;

/// Which copy of overlapping bytes is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlapPolicy {
    /// The bytes seen first stay (BSD-like stacks, Suricata's default family).
    #[default]
    First,
    /// Later bytes replace earlier ones (Linux-like for out-of-order data).
    Last,
}

/// Disjoint runs of bytes by offset.
#[derive(Clone, Debug, Default)]
pub struct Segments {
    runs: BTreeMap<u64, Vec<u8>>,
    bytes: usize,
}

/// What inserting a segment did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inserted {
    /// Bytes that overlapped data already waiting.
    pub overlap: usize,
    /// Overlapping bytes whose values differed (an evasion sign).
    pub overlap_differs: bool,
}

impl Segments {
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Offset of the first waiting byte.
    pub fn first_offset(&self) -> Option<u64> {
        self.runs.keys().next().copied()
    }

    /// Adds `data` at `offset`, resolving overlaps with `policy`.
    pub fn insert(&mut self, offset: u64, data: &[u8], policy: OverlapPolicy) -> Inserted {
        let mut result = Inserted::default();
        if data.is_empty() {
            return result;
        }
        let end = offset + data.len() as u64;
        // Runs that overlap or touch [offset, end): touching runs merge too,
        // so a contiguous stretch is always one run.
        let overlapping: Vec<u64> = self
            .runs
            .range(..=end)
            .filter(|(start, run)| *start + run.len() as u64 >= offset)
            .map(|(start, _)| *start)
            .collect();
        let mut merged_start = offset;
        let mut merged: Vec<u8> = data.to_vec();
        for start in overlapping {
            let Some(run) = self.runs.remove(&start) else { continue };
            self.bytes -= run.len();
            let run_end = start + run.len() as u64;
            // Bytes covered by both.
            let lo = start.max(offset);
            let hi = run_end.min(end);
            result.overlap += (hi - lo) as usize;
            let old = &run[(lo - start) as usize..(hi - start) as usize];
            let new = &data[(lo - offset) as usize..(hi - offset) as usize];
            if old != new {
                result.overlap_differs = true;
            }
            // Build the union of the run and what we have merged so far.
            let union_start = merged_start.min(start);
            let union_end = (merged_start + merged.len() as u64).max(run_end);
            let mut union = vec![0u8; (union_end - union_start) as usize];
            let (first, second, second_start, first_start) = match policy {
                // Later writes win: lay the old run down first, then the new data.
                OverlapPolicy::Last => (&run, &merged, merged_start, start),
                OverlapPolicy::First => (&merged, &run, start, merged_start),
            };
            let put = |buf: &mut [u8], at: u64, bytes: &[u8]| {
                let o = (at - union_start) as usize;
                buf[o..o + bytes.len()].copy_from_slice(bytes);
            };
            put(&mut union, first_start, first);
            put(&mut union, second_start, second);
            merged_start = union_start;
            merged = union;
        }
        self.bytes += merged.len();
        self.runs.insert(merged_start, merged);
        result
    }

    /// Removes and returns the run starting exactly at `offset`, trimmed of
    /// bytes before it if a run straddles it.
    pub fn take_at(&mut self, offset: u64) -> Option<Vec<u8>> {
        let (&start, run) = self.runs.range(..=offset).next_back()?;
        let run_end = start + run.len() as u64;
        if run_end <= offset {
            return None;
        }
        let run = self.runs.remove(&start)?;
        self.bytes -= run.len();
        Some(run[(offset - start) as usize..].to_vec())
    }

    pub fn clear(&mut self) {
        self.runs.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(s: &Segments) -> Vec<(u64, Vec<u8>)> {
        s.runs.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    #[test]
    fn disjoint_and_adjacent() {
        let mut s = Segments::default();
        s.insert(10, b"abc", OverlapPolicy::First);
        s.insert(20, b"xyz", OverlapPolicy::First);
        s.insert(23, b"!", OverlapPolicy::First);
        assert_eq!(content(&s), vec![(10, b"abc".to_vec()), (20, b"xyz!".to_vec())]);
        assert_eq!(s.bytes(), 7);
        assert_eq!(s.first_offset(), Some(10));
        assert_eq!(s.take_at(10), Some(b"abc".to_vec()));
        assert_eq!(s.take_at(13), None);
        assert_eq!(s.take_at(21), Some(b"yz!".to_vec()));
        assert_eq!(s.bytes(), 0);
    }

    #[test]
    fn overlap_first_wins() {
        let mut s = Segments::default();
        s.insert(0, b"AAAA", OverlapPolicy::First);
        let r = s.insert(2, b"BBBB", OverlapPolicy::First);
        assert_eq!(
            r,
            Inserted {
                overlap: 2,
                overlap_differs: true
            }
        );
        assert_eq!(content(&s), vec![(0, b"AAAABB".to_vec())]);
    }

    #[test]
    fn overlap_last_wins() {
        let mut s = Segments::default();
        s.insert(2, b"AAAA", OverlapPolicy::Last);
        s.insert(0, b"BBBB", OverlapPolicy::Last);
        assert_eq!(content(&s), vec![(0, b"BBBBAA".to_vec())]);
        s.insert(1, b"C", OverlapPolicy::Last);
        assert_eq!(content(&s), vec![(0, b"BCBBAA".to_vec())]);
    }

    #[test]
    fn new_segment_spanning_several_runs() {
        let mut s = Segments::default();
        s.insert(0, b"aa", OverlapPolicy::First);
        s.insert(4, b"bb", OverlapPolicy::First);
        s.insert(8, b"cc", OverlapPolicy::First);
        let r = s.insert(1, b"XXXXXXXX", OverlapPolicy::First);
        assert_eq!(r.overlap, 4);
        assert_eq!(content(&s), vec![(0, b"aaXXbbXXcc".to_vec())]);
        assert_eq!(s.bytes(), 10);
    }

    #[test]
    fn identical_retransmission_is_not_different() {
        let mut s = Segments::default();
        s.insert(5, b"hello", OverlapPolicy::First);
        let r = s.insert(5, b"hello", OverlapPolicy::First);
        assert_eq!(
            r,
            Inserted {
                overlap: 5,
                overlap_differs: false
            }
        );
    }
}
