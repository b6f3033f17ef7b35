//! Multi-pattern prefilter: finds which of a rule group's fast patterns
//! occur in a buffer, so only the rules worth evaluating are evaluated.
//!
//! Every pattern is reduced to an anchor of at most four bytes (for a
//! longer pattern, its rarest four-byte window). A scan slides over the
//! case-folded buffer, hashes each four-byte window into a sparse bitmap
//! of the four-byte anchors, and compares the whole pattern only where the
//! bitmap says an anchor may start. The few shorter anchors (from patterns
//! of one to three bytes) get a pass of their own over a small bitmap of
//! their first two bytes, so the common pass stays a tight loop of one
//! load, one multiplication and one bit test per byte (eight bytes at a
//! time with AVX2, in `hashed_bits`). Each position is
//! looked at whatever matched before it, so overlapping occurrences are all
//! found. Compared with an automaton over hundreds of patterns, the working
//! set is a few kilobytes instead of megabytes, which is what the scan's
//! speed is bound by.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::hashed_bits::HashedBits;

/// Longest anchor: one 32-bit load per position.
const ANCHOR: usize = 4;

pub struct Prefilter {
    /// Patterns, ASCII lowercase, end to end: pattern `i` is
    /// `bytes[pattern_starts[i]..pattern_starts[i + 1]]`. ET Open's groups
    /// hold ~270,000 patterns; a boxed slice and a vector of rules each
    /// cost four times these flat arrays.
    bytes: Vec<u8>,
    pattern_starts: Vec<u32>,
    /// Rules (engine indices) of pattern `i`:
    /// `rules[rule_starts[i]..rule_starts[i + 1]]`.
    rules: Vec<u32>,
    rule_starts: Vec<u32>,
    /// Anchors by width: `tables[w - 1]` holds those of `w` bytes.
    tables: [Option<AnchorTable>; ANCHOR],
    /// The two-byte values that start an anchor of two or three bytes
    /// (`None` when there are none). Such anchors come from the few
    /// patterns that short (the first two bytes of all anchors would pass a
    /// third of the positions in web traffic).
    short_pairs: Option<HashedBits>,
    /// One bit per byte value that is a one-byte anchor.
    singles: [u64; 4],
    /// Length of the longest pattern: a match ending in new bytes starts at
    /// most this many bytes minus one before them.
    max_len: usize,
}

/// Anchors of one width: a bitmap of their hashes, and for each set bit
/// the anchors behind it, found by the bit's rank.
struct AnchorTable {
    /// The anchors' words.
    filter: HashedBits,
    /// Set bits in the words before each word of `filter.bits`.
    rank: Vec<u32>,
    /// Where the anchors of the n-th set bit start in `anchors` (one more
    /// entry than set bits).
    starts: Vec<u32>,
    anchors: Vec<Anchor>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Anchor {
    word: u32,
    pattern: u32,
    /// Where the anchor starts in the pattern.
    offset: u16,
}

/// The first `width` bytes of `w` as a little-endian word (zero-extended).
fn word(w: &[u8], width: usize) -> u32 {
    w.iter()
        .take(width)
        .enumerate()
        .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (8 * i)))
}

/// How often a (folded) byte turns up in traffic, roughly: anchors made of
/// rarer bytes cost fewer needless comparisons.
fn commonness(b: u8) -> u32 {
    match b {
        b'a'..=b'z' | b'0'..=b'9' => 3,
        b' ' | b'/' | b'.' | b':' | b'-' | b'=' | b'\r' | b'\n' | b'&' | b'?' | b'_' | b',' | b';' => 3,
        0x00 | 0xff => 4,
        0x01..=0x08 => 2,
        _ => 1,
    }
}

/// Text that turns up in most web and DNS traffic (lowercase, as patterns
/// are folded): none of its four-byte windows is an anchor if another
/// window will do. Every browser's User-Agent starts with `mozilla/5.0 (`
/// and nearly every request carries the same few header lines, so an
/// anchor inside them is met at almost every transaction; and a pattern
/// that holds one of them shares it with many others, whose anchors then
/// spread over all of its windows.
const COMMON_TEXT: &[&[u8]] = &[
    b"http://www.",
    b"https://",
    b".com",
    b".php",
    b"\r\n\r\n",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"get / http/1.1\r\n",
    b"post /",
    b" http/1.1\r\n",
    b"http/1.1 200 ok\r\n",
    b"\r\nhost: ",
    b"\r\nuser-agent: ",
    b"\r\naccept: ",
    b"\r\naccept-encoding: ",
    b"\r\naccept-language: ",
    b"\r\nconnection: keep-alive",
    b"\r\ncontent-type: ",
    b"\r\ncontent-length: ",
    b"\r\ncookie: ",
    b"\r\nreferer: ",
    b"\r\nserver: ",
    b"\r\ncache-control: no-cache",
    b"gzip, deflate",
    b"mozilla/5.0 (",
    b"windows nt ",
    b"(khtml, like gecko)",
    b"applewebkit/",
    b"application/",
    b"text/html",
    b"charset=utf-8",
    b"<!doctype html>",
    b"<html>",
    b"<head>",
    b"<title>",
    b"</title>",
    b"<body>",
    b"</body>",
    b"</html>",
];

/// The four-byte windows of `COMMON_TEXT`, as words.
fn common_windows() -> &'static HashSet<u32> {
    static WINDOWS: OnceLock<HashSet<u32>> = OnceLock::new();
    WINDOWS.get_or_init(|| {
        COMMON_TEXT
            .iter()
            .flat_map(|t| t.windows(ANCHOR))
            .map(|w| word(w, ANCHOR))
            .collect()
    })
}

/// The offset of the window of `pattern` to use as its anchor: rare bytes,
/// no well-known run, and an anchor few other patterns have already taken
/// (`taken` counts them), since every pattern behind an anchor is compared
/// wherever the anchor turns up. That last weighs little: each distinct
/// anchor met in traffic costs a lookup of its own, so patterns sharing a
/// substring are better off sharing its anchor than spreading over its
/// windows, up to a few patterns each.
fn choose_anchor(pattern: &[u8], taken: &HashMap<u32, u32>) -> usize {
    let score = |w: &[u8]| {
        let word = word(w, ANCHOR);
        let common = if common_windows().contains(&word) { 100 } else { 0 };
        // Each pair of equal bytes is a byte the window does not add.
        let repeats = (0..ANCHOR)
            .flat_map(|i| (i + 1..ANCHOR).map(move |j| (i, j)))
            .filter(|&(i, j)| w[i] == w[j])
            .count() as u32;
        let sharing = taken.get(&word).map_or(0, |n| n / 4);
        w.iter().map(|&b| commonness(b)).sum::<u32>() + 2 * repeats.min(3) + sharing + common
    };
    pattern
        .windows(ANCHOR)
        .enumerate()
        .min_by_key(|(_, w)| score(w))
        .map_or(0, |(off, _)| off)
}

impl AnchorTable {
    /// `anchors`: (pattern id, anchor bytes, offset in the pattern).
    fn build(width: usize, anchors: &[(u32, &[u8], u16)]) -> AnchorTable {
        // About one bit in thirty-two set or fewer, in at most 8 KiB: few
        // needless lookups, and the bitmaps of the groups a packet goes
        // through stay in the first-level cache together.
        let mut filter = HashedBits::sized(anchors.len() * 32, 1 << 12);
        let mut keyed: Vec<(u32, Anchor)> = anchors
            .iter()
            .map(|&(pattern, bytes, offset)| {
                let word = word(bytes, width);
                (filter.bucket(word), Anchor { word, pattern, offset })
            })
            .collect();
        keyed.sort_unstable();
        keyed.dedup();
        let mut starts = Vec::new();
        for (i, (_, a)) in keyed.iter().enumerate() {
            if filter.insert(a.word) {
                starts.push(i as u32);
            }
        }
        starts.push(keyed.len() as u32);
        let rank = filter
            .words()
            .iter()
            .scan(0u32, |before, w| {
                let r = *before;
                *before += w.count_ones();
                Some(r)
            })
            .collect();
        AnchorTable {
            filter,
            rank,
            starts,
            anchors: keyed.into_iter().map(|(_, a)| a).collect(),
        }
    }

    /// The anchors that may be the word `w`: empty for most words.
    fn candidates(&self, w: u32) -> &[Anchor] {
        let bucket = self.filter.bucket(w);
        let (index, bit) = ((bucket >> 6) as usize, bucket & 63);
        let Some(&slot) = self.filter.words().get(index) else {
            return &[];
        };
        if slot & (1 << bit) == 0 {
            return &[];
        }
        let n = self.rank.get(index).copied().unwrap_or(0) + (slot & ((1u64 << bit) - 1)).count_ones();
        let from = self.starts.get(n as usize).copied().unwrap_or(0) as usize;
        let to = self.starts.get(n as usize + 1).copied().unwrap_or(0) as usize;
        self.anchors.get(from..to).unwrap_or(&[])
    }
}

/// `lists` end to end (`total` items, below 2^32) and where each starts,
/// with one more start for the end.
fn flatten<T: Copy>(lists: &[impl AsRef<[T]>], total: usize) -> (Vec<T>, Vec<u32>) {
    let mut items = Vec::with_capacity(total);
    let mut starts = Vec::with_capacity(lists.len() + 1);
    for l in lists {
        starts.push(items.len() as u32);
        items.extend_from_slice(l.as_ref());
    }
    starts.push(items.len() as u32);
    (items, starts)
}

/// Item `i` of a flat array cut at `starts` (empty when out of range).
fn span<'a, T>(items: &'a [T], starts: &[u32], i: usize) -> &'a [T] {
    match (starts.get(i), starts.get(i + 1)) {
        (Some(&from), Some(&to)) => items.get(from as usize..to as usize).unwrap_or_default(),
        _ => &[],
    }
}

impl Prefilter {
    /// Builds from (pattern, rule index) pairs; patterns are matched without
    /// regard to ASCII case (a case-sensitive rule is confirmed later).
    /// Empty patterns are left out; `None` when nothing is left.
    pub fn build(entries: &[(&[u8], u32)]) -> Option<Prefilter> {
        let mut ids: HashMap<Box<[u8]>, usize> = HashMap::with_capacity(entries.len());
        let mut patterns: Vec<Box<[u8]>> = Vec::with_capacity(entries.len());
        let mut rules_of: Vec<Vec<u32>> = Vec::with_capacity(entries.len());
        for &(p, rule) in entries.iter().filter(|(p, _)| !p.is_empty()) {
            let folded: Box<[u8]> = p.to_ascii_lowercase().into_boxed_slice();
            let id = match ids.get(&folded) {
                Some(&id) => id,
                None => {
                    ids.insert(folded.clone(), patterns.len());
                    patterns.push(folded);
                    rules_of.push(Vec::new());
                    patterns.len() - 1
                }
            };
            if rules_of[id].last() != Some(&rule) {
                rules_of[id].push(rule);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let mut by_width: [Vec<(u32, &[u8], u16)>; ANCHOR] = Default::default();
        // Patterns with the fewest windows choose first: they have the
        // least room to avoid a shared anchor.
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        order.sort_by_key(|&pid| (patterns[pid].len(), pid));
        let mut taken: HashMap<u32, u32> = HashMap::new();
        for pid in order {
            let p = &patterns[pid];
            let width = p.len().min(ANCHOR);
            let off = if p.len() > ANCHOR { choose_anchor(p, &taken) } else { 0 };
            // Offsets past u16 cannot happen for rule contents (bounded by
            // the rule's length), but a longer one falls back to the start.
            let off = u16::try_from(off).unwrap_or(0);
            let anchor = &p[usize::from(off)..usize::from(off) + width];
            if width == ANCHOR {
                *taken.entry(word(anchor, ANCHOR)).or_insert(0) += 1;
            }
            by_width[width - 1].push((pid as u32, anchor, off));
        }
        let mut pairs = Vec::new();
        let mut singles = [0u64; 4];
        for (_, bytes, _) in by_width[..ANCHOR - 1].iter().flatten() {
            match bytes {
                [b] => singles[usize::from(*b >> 6)] |= 1 << (b & 63),
                [b0, b1, ..] => pairs.push(u32::from(*b0) | u32::from(*b1) << 8),
                [] => {}
            }
        }
        // About one bit in sixty-four: a group has a dozen such values or
        // so, and a bitmap of a few cache lines stays in the first-level
        // cache where a directly indexed one (8 KiB) kept missing it.
        let short_pairs = (!pairs.is_empty()).then(|| {
            let mut filter = HashedBits::sized(pairs.len() * 64, 1 << 9);
            pairs.iter().for_each(|&p| {
                filter.insert(p);
            });
            filter
        });
        let tables = std::array::from_fn(|i| {
            let anchors = &by_width[i];
            (!anchors.is_empty()).then(|| AnchorTable::build(i + 1, anchors))
        });
        let max_len = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        // Offsets in u32: a group's patterns come from rule texts, far
        // below 4 GiB; past that the group would not be built at all.
        let total = patterns.iter().map(|p| p.len()).sum::<usize>();
        let rule_total = rules_of.iter().map(Vec::len).sum::<usize>();
        if u32::try_from(total).is_err() || u32::try_from(rule_total).is_err() {
            return None;
        }
        let (bytes, pattern_starts) = flatten(&patterns, total);
        let (rules, rule_starts) = flatten(&rules_of, rule_total);
        Some(Prefilter {
            bytes,
            pattern_starts,
            rules,
            rule_starts,
            tables,
            short_pairs,
            singles,
            max_len,
        })
    }

    fn pattern(&self, pid: usize) -> &[u8] {
        span(&self.bytes, &self.pattern_starts, pid)
    }

    fn rules_of(&self, pid: usize) -> &[u32] {
        span(&self.rules, &self.rule_starts, pid)
    }

    /// The part of `hay` worth scanning when only matches reaching past
    /// `new_from` count.
    pub fn tail<'h>(&self, hay: &'h [u8], new_from: usize) -> &'h [u8] {
        let from = new_from.saturating_sub(self.max_len.saturating_sub(1)).min(hay.len());
        &hay[from..]
    }

    pub fn patterns(&self) -> usize {
        self.pattern_starts.len().saturating_sub(1)
    }

    /// Calls `hit` with every rule whose pattern occurs in `hay`. `scratch`
    /// holds the folded copy of `hay` and a slot per pattern marking those
    /// already found in this scan: a scan marks with a `stamp` no earlier
    /// scan used.
    pub fn scan(&self, hay: &[u8], scratch: &mut ScanScratch, stamp: u32, mut hit: impl FnMut(u32)) {
        let ScanScratch { folded, seen, spots } = scratch;
        if seen.len() < self.patterns() {
            seen.resize(self.patterns(), 0);
        }
        folded.clear();
        folded.extend(hay.iter().map(u8::to_ascii_lowercase));
        let f = folded.as_slice();
        let mut found = |at: usize, w: u32, anchors: &[Anchor]| {
            for a in anchors.iter().filter(|a| a.word == w) {
                let pid = a.pattern as usize;
                let Some(slot) = seen.get_mut(pid) else { continue };
                if *slot == stamp {
                    continue;
                }
                let Some(start) = at.checked_sub(usize::from(a.offset)) else {
                    continue;
                };
                let pattern = self.pattern(pid);
                if f.get(start..start + pattern.len()) == Some(pattern) {
                    *slot = stamp;
                    self.rules_of(pid).iter().for_each(|&r| hit(r));
                }
            }
        };
        let [t1, t2, t3, t4] = &self.tables;
        // One pass per kind of anchor, each a tight loop of its own that
        // only notes where an anchor may start (most buffers only ever
        // need the first); the few spots are then looked at.
        if let Some(t) = t4 {
            for &at in t.filter.probe::<4>(f, spots) {
                let w = f.get(at..at + 4).map_or(0, |window| word(window, 4));
                found(at, w, t.candidates(w));
            }
        }
        if let Some(pairs) = &self.short_pairs {
            for &at in pairs.probe::<2>(f, spots) {
                if let (Some(t), Some(pair)) = (t2, f.get(at..at + 2)) {
                    let w = word(pair, 2);
                    found(at, w, t.candidates(w));
                }
                if let (Some(t), Some(window)) = (t3, f.get(at..at + 3)) {
                    let w = word(window, 3);
                    found(at, w, t.candidates(w));
                }
            }
        }
        if let Some(t) = t1 {
            for (at, &b) in f.iter().enumerate() {
                if self.singles[usize::from(b >> 6)] & (1 << (b & 63)) != 0 {
                    found(at, u32::from(b), t.candidates(u32::from(b)));
                }
            }
        }
    }
}

/// Per-worker buffers for scans.
#[derive(Default)]
pub struct ScanScratch {
    folded: Vec<u8>,
    seen: Vec<u32>,
    /// Room for where an anchor may start, in the current pass.
    spots: Vec<usize>,
}

impl ScanScratch {
    /// Forgets every pattern marked seen (when stamps wrap around).
    pub fn reset_seen(&mut self) {
        self.seen.iter_mut().for_each(|s| *s = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rng::Rng;

    fn scan_all(p: &Prefilter, hay: &[u8]) -> Vec<u32> {
        let mut scratch = ScanScratch::default();
        let mut got = Vec::new();
        p.scan(hay, &mut scratch, 1, |r| got.push(r));
        got.sort_unstable();
        got
    }

    #[test]
    fn finds_overlapping_and_case_folded() {
        let p = Prefilter::build(&[(b"abc", 1), (b"BCD", 2), (b"bcd", 3), (b"zz", 4)]).unwrap();
        assert_eq!(p.patterns(), 3);
        assert_eq!(scan_all(&p, b"xABCDabcd"), vec![1, 2, 3]);
    }

    #[test]
    fn anchors_inside_long_patterns_and_at_the_edges() {
        let p = Prefilter::build(&[
            (b"GET /cgi-bin/|00|x".as_slice(), 1),
            (b"q", 2),
            (b"\xff\xfe", 3),
            (b"end!", 4),
        ])
        .unwrap();
        assert_eq!(scan_all(&p, b"get /CGI-BIN/|00|x"), vec![1]);
        assert_eq!(scan_all(&p, b"Q"), vec![2]);
        assert_eq!(scan_all(&p, b"..\xff\xfe"), vec![3]);
        assert_eq!(scan_all(&p, b"the end!"), vec![4]);
        assert_eq!(scan_all(&p, b"get /cgi-bin/|00|"), Vec::<u32>::new());
        assert_eq!(scan_all(&p, b""), Vec::<u32>::new());
    }

    #[test]
    fn nothing_to_build_from() {
        assert!(Prefilter::build(&[]).is_none());
        assert!(Prefilter::build(&[(b"".as_slice(), 1)]).is_none());
    }

    #[test]
    fn the_rarest_window_is_the_anchor() {
        let none = HashMap::new();
        assert_eq!(choose_anchor(b"http://x\x01", &none), 5);
        assert_eq!(choose_anchor(b"abcd", &none), 0);
        // A window many patterns already use loses to a slightly commoner one.
        let busy = HashMap::from([(word(b"//x\x01", ANCHOR), 5)]);
        assert_eq!(choose_anchor(b"http://x\x01", &busy), 4);
    }

    /// Against a plain search for each pattern, over random patterns of 1
    /// to 12 bytes from a small alphabet (so they overlap and repeat) and
    /// random buffers.
    #[test]
    fn agrees_with_a_plain_search() {
        let mut rng = Rng::new(11);
        let alphabet = b"aAbB\x00\xff/. c";
        let pick = |rng: &mut Rng, n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| alphabet[rng.range(0, alphabet.len() as u64) as usize])
                .collect()
        };
        for round in 0..200 {
            let n = 1 + rng.range(0, 60) as usize;
            let entries: Vec<(Vec<u8>, u32)> = (0..n)
                .map(|i| {
                    let len = 1 + rng.range(0, 12) as usize;
                    (pick(&mut rng, len), i as u32)
                })
                .collect();
            let borrowed: Vec<(&[u8], u32)> = entries.iter().map(|(p, r)| (p.as_slice(), *r)).collect();
            let p = Prefilter::build(&borrowed).unwrap();
            let mut scratch = ScanScratch::default();
            for stamp in 1..=5u32 {
                let len = rng.range(0, 300) as usize;
                let hay = pick(&mut rng, len);
                let folded = hay.to_ascii_lowercase();
                let mut want: Vec<u32> = entries
                    .iter()
                    .filter(|(pat, _)| {
                        let pat = pat.to_ascii_lowercase();
                        folded.windows(pat.len()).any(|w| w == pat.as_slice())
                    })
                    .map(|(_, r)| *r)
                    .collect();
                want.sort_unstable();
                let mut got = Vec::new();
                p.scan(&hay, &mut scratch, stamp, |r| got.push(r));
                got.sort_unstable();
                assert_eq!(got, want, "round {round}, buffer {hay:?}");
            }
        }
    }
}
