//! Multi-pattern prefilter: one Aho-Corasick automaton over the fast
//! patterns of a rule group; a scan yields the rules worth evaluating.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

pub struct Prefilter {
    ac: AhoCorasick,
    /// Rules (engine indices) per pattern id.
    rules_of: Vec<Vec<u32>>,
    /// Length of the longest pattern: a match ending in new bytes starts at
    /// most this many bytes minus one before them.
    max_len: usize,
}

impl Prefilter {
    /// Builds from (pattern, rule index) pairs; patterns are matched without
    /// regard to ASCII case (a case-sensitive rule is confirmed later).
    pub fn build(entries: &[(Vec<u8>, u32)]) -> Result<Option<Prefilter>, aho_corasick::BuildError> {
        if entries.is_empty() {
            return Ok(None);
        }
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut rules_of: Vec<Vec<u32>> = Vec::new();
        for (p, rule) in entries {
            let folded = p.to_ascii_lowercase();
            let id = *ids.entry(folded.clone()).or_insert_with(|| {
                patterns.push(folded);
                rules_of.push(Vec::new());
                patterns.len() - 1
            });
            if rules_of[id].last() != Some(rule) {
                rules_of[id].push(*rule);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(true)
            // Overlapping search walks every byte: a full DFA is the fastest walker.
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(0);
        Ok(Some(Prefilter { ac, rules_of, max_len }))
    }

    /// The part of `hay` worth scanning when only matches reaching past
    /// `new_from` count.
    pub fn tail<'h>(&self, hay: &'h [u8], new_from: usize) -> &'h [u8] {
        let from = new_from.saturating_sub(self.max_len.saturating_sub(1)).min(hay.len());
        &hay[from..]
    }

    pub fn patterns(&self) -> usize {
        self.rules_of.len()
    }

    /// Calls `hit` with every rule whose pattern occurs in `hay`. `seen` is
    /// scratch space, one slot per pattern, reset by bumping `stamp`.
    pub fn scan(&self, hay: &[u8], seen: &mut Vec<u32>, stamp: u32, mut hit: impl FnMut(u32)) {
        if seen.len() < self.rules_of.len() {
            seen.resize(self.rules_of.len(), 0);
        }
        for m in self.ac.find_overlapping_iter(hay) {
            let id = m.pattern().as_usize();
            if seen[id] == stamp {
                continue;
            }
            seen[id] = stamp;
            for r in &self.rules_of[id] {
                hit(*r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overlapping_and_case_folded() {
        let p = Prefilter::build(&[
            (b"abc".to_vec(), 1),
            (b"BCD".to_vec(), 2),
            (b"bcd".to_vec(), 3),
            (b"zz".to_vec(), 4),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(p.patterns(), 3);
        let mut seen = Vec::new();
        let mut got = Vec::new();
        p.scan(b"xABCDabcd", &mut seen, 1, |r| got.push(r));
        got.sort();
        assert_eq!(got, vec![1, 2, 3]);
    }
}
