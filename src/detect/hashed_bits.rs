//! A bitmap of hashed words and the per-byte probe over it, the
//! prefilter's innermost loop: one multiplication and one bit test per
//! position, eight positions at a time where the CPU has AVX2.

/// The bitmap bit of the word `w`: its hash's top `32 - shift` bits.
fn bucket(w: u32, shift: u32) -> u32 {
    w.wrapping_mul(0x9E37_79B1) >> shift
}

/// A bitmap with one bit per hashed word: a clear bit says the word is none
/// of those inserted.
pub(super) struct HashedBits {
    /// 32 minus the bitmap's bits: a hash's top bits index the bitmap.
    shift: u32,
    /// Exactly `2^(32 - shift)` bits, which the wide probe relies on.
    bits: Vec<u64>,
}

impl HashedBits {
    /// A bitmap of `want` bits rounded up to a power of two, between
    /// `smallest` and 2^16 (8 KiB).
    pub(super) fn sized(want: usize, smallest: usize) -> HashedBits {
        let size = want.next_power_of_two().clamp(smallest.max(64), 1 << 16);
        HashedBits {
            shift: 32 - size.trailing_zeros(),
            bits: vec![0; size / 64],
        }
    }

    /// The bit of `w`.
    pub(super) fn bucket(&self, w: u32) -> u32 {
        bucket(w, self.shift)
    }

    /// The bitmap, 64 bits per word.
    pub(super) fn words(&self) -> &[u64] {
        &self.bits
    }

    /// Sets the bit of `w`; whether it was clear.
    pub(super) fn insert(&mut self, w: u32) -> bool {
        let b = self.bucket(w);
        let Some(slot) = self.bits.get_mut((b >> 6) as usize) else {
            return false;
        };
        let was_clear = *slot & (1 << (b & 63)) == 0;
        *slot |= 1 << (b & 63);
        was_clear
    }

    /// Whether `w` may be one of the words inserted: false for most.
    #[inline]
    pub(super) fn may_hold(&self, w: u32) -> bool {
        let b = self.bucket(w) as usize;
        self.bits.get(b >> 6).is_some_and(|slot| slot & (1 << (b & 63)) != 0)
    }

    /// Where in `f` a `W`-byte word (zero-extended) this bitmap may hold
    /// starts, in increasing order. `room` is scratch the positions are
    /// written to; it only ever grows. Kept out of line so the loop has
    /// the registers to itself.
    #[inline(never)]
    pub(super) fn probe<'r, const W: usize>(&self, f: &[u8], room: &'r mut Vec<usize>) -> &'r [usize] {
        const { assert!(W >= 1 && W <= 4, "words are one to four bytes") };
        // A spot is written at every step, hit or not, and kept only on a
        // hit: a branch on each hit would be mispredicted at random (a
        // few positions in a hundred hit). So there is room for every
        // position, plus the eight of a wide step.
        if room.len() < f.len() + 8 {
            room.resize(f.len() + 8, 0);
        }
        let mut found = Spots { room, len: 0 };
        let done = self.probe_wide::<W>(f, &mut found);
        self.probe_narrow::<W>(f, done, &mut found);
        let Spots { room, len } = found;
        room.get(..len).unwrap_or_default()
    }

    /// The positions from `from` on, one at a time.
    fn probe_narrow<const W: usize>(&self, f: &[u8], from: usize, spots: &mut Spots) {
        let rest = f.get(from..).unwrap_or_default();
        for (at, window) in rest.array_windows::<W>().enumerate() {
            let mut w = [0u8; 4];
            w[..W].copy_from_slice(window);
            spots.keep_if(from + at, self.may_hold(u32::from_le_bytes(w)));
        }
    }

    /// The positions the AVX2 loop covers, eight at a time; how many that
    /// was (none without AVX2).
    #[cfg(target_arch = "x86_64")]
    fn probe_wide<const W: usize>(&self, f: &[u8], spots: &mut Spots) -> usize {
        let whole = u32::try_from(self.bits.len() * 64).is_ok_and(|n| n == 1u32 << (32 - self.shift));
        if !whole || !std::arch::is_x86_feature_detected!("avx2") {
            return 0;
        }
        // SAFETY: AVX2 is present (checked just above), and `bits` holds
        // `2^(32 - shift)` bits, so every hash indexes inside it.
        unsafe { avx2::probe::<W>(&self.bits, self.shift, f, spots) }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn probe_wide<const W: usize>(&self, _f: &[u8], _spots: &mut Spots) -> usize {
        0
    }
}

/// Positions found so far: the first `len` of `room`, which has a slot for
/// every position of the buffer plus eight.
struct Spots<'r> {
    room: &'r mut Vec<usize>,
    len: usize,
}

impl Spots<'_> {
    /// Writes `at` in the next slot, and keeps it if `hit`.
    #[inline(always)]
    fn keep_if(&mut self, at: usize, hit: bool) {
        // In bounds: at most one slot per position is kept, and there
        // are more slots than positions.
        if let Some(slot) = self.room.get_mut(self.len) {
            *slot = at;
        }
        self.len += usize::from(hit);
    }

    /// Keeps `at + i` for every bit `i` set in `hits` (bits 0 to 7).
    #[inline(always)]
    fn keep_each(&mut self, at: usize, hits: u32) {
        self.keep_if(at + hits.trailing_zeros() as usize, hits != 0);
        // Two hits in one step are rare enough to branch on.
        let mut rest = hits & hits.wrapping_sub(1);
        while rest != 0 {
            self.keep_if(at + rest.trailing_zeros() as usize, true);
            rest &= rest - 1;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Spots;
    use std::arch::x86_64::{
        __m256i, _mm_cvtsi32_si128, _mm_loadu_si128, _mm256_and_si256, _mm256_broadcastsi128_si256,
        _mm256_castsi256_ps, _mm256_i32gather_epi32, _mm256_movemask_ps, _mm256_mullo_epi32, _mm256_set1_epi32,
        _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_sllv_epi32, _mm256_srl_epi32, _mm256_srli_epi32,
        _mm256_sub_epi32,
    };

    /// Bytes loaded per step: eight positions need `7 + W` of them.
    const STEP_LOAD: usize = 16;

    /// A shuffle that puts the `W`-byte word starting at byte `i` of a
    /// 16-byte load into 32-bit lane `i`, for `i` in 0..8, its upper bytes
    /// zero. Each 128-bit half shuffles its own copy of the load.
    #[target_feature(enable = "avx2")]
    fn lanes_of<const W: usize>() -> __m256i {
        let mut index = [0i8; 32];
        for (k, slot) in index.iter_mut().enumerate() {
            let (lane, byte) = (k / 4, k % 4);
            // Bit 7 set: the byte becomes zero.
            *slot = if byte < W { (lane + byte) as i8 } else { -128 };
        }
        let [
            a0,
            a1,
            a2,
            a3,
            a4,
            a5,
            a6,
            a7,
            a8,
            a9,
            a10,
            a11,
            a12,
            a13,
            a14,
            a15,
            b0,
            b1,
            b2,
            b3,
            b4,
            b5,
            b6,
            b7,
            b8,
            b9,
            b10,
            b11,
            b12,
            b13,
            b14,
            b15,
        ] = index;
        _mm256_setr_epi8(
            a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, b0, b1, b2, b3, b4, b5, b6, b7, b8,
            b9, b10, b11, b12, b13, b14, b15,
        )
    }

    /// Pushes the positions whose word may be in the bitmap, for every
    /// position with 16 bytes from it in `f`, eight at a time; returns
    /// the first position not looked at.
    ///
    /// # Safety
    /// The CPU has AVX2, and `bits` holds exactly `2^(32 - shift)` bits.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn probe<const W: usize>(bits: &[u64], shift: u32, f: &[u8], spots: &mut Spots) -> usize {
        let lanes = lanes_of::<W>();
        let golden = _mm256_set1_epi32(0x9E37_79B1_u32 as i32);
        let shift = _mm_cvtsi32_si128(shift as i32);
        let low5 = _mm256_set1_epi32(31);
        let base = bits.as_ptr().cast::<i32>();
        let mut at = 0;
        while let Some(chunk) = f.get(at..).and_then(|rest| rest.first_chunk::<STEP_LOAD>()) {
            // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
            let bytes = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let words = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(bytes), lanes);
            let hash = _mm256_srl_epi32(_mm256_mullo_epi32(words, golden), shift);
            // SAFETY: a hash is below 2^(32 - shift), so `hash >> 5` indexes
            // one of the 2^(27 - shift) 32-bit halves of `bits`' words (a
            // u64 is two u32s, low half first, on x86-64): in bounds.
            let slots = unsafe { _mm256_i32gather_epi32::<4>(base, _mm256_srli_epi32::<5>(hash)) };
            // The hash's bit moved to the sign bit, which movemask collects.
            let at_top = _mm256_sllv_epi32(slots, _mm256_sub_epi32(low5, _mm256_and_si256(hash, low5)));
            spots.keep_each(at, _mm256_movemask_ps(_mm256_castsi256_ps(at_top)) as u32);
            at += 8;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rng::Rng;

    fn narrow<const W: usize>(bits: &HashedBits, f: &[u8]) -> Vec<usize> {
        let mut room = vec![0; f.len() + 8];
        let mut spots = Spots {
            room: &mut room,
            len: 0,
        };
        bits.probe_narrow::<W>(f, 0, &mut spots);
        let len = spots.len;
        room.truncate(len);
        room
    }

    fn probed<const W: usize>(bits: &HashedBits, f: &[u8]) -> Vec<usize> {
        bits.probe::<W>(f, &mut Vec::new()).to_vec()
    }

    #[test]
    fn inserted_words_are_held() {
        let mut bits = HashedBits::sized(512, 64);
        assert!(bits.insert(u32::from_le_bytes(*b"abcd")));
        assert!(!bits.insert(u32::from_le_bytes(*b"abcd")));
        assert!(bits.may_hold(u32::from_le_bytes(*b"abcd")));
        assert_eq!(probed::<4>(&bits, b"xxabcdabcd"), vec![2, 6]);
        assert_eq!(bits.words().len(), 8);
    }

    /// The wide loop and the narrow one agree at every length, width and
    /// bitmap size, including where the wide loop hands over to the narrow.
    fn agree<const W: usize>(rng: &mut Rng) {
        for size in [64, 512, 4096, 1 << 16] {
            let mut bits = HashedBits::sized(size, 64);
            // Dense enough that many positions hit.
            for _ in 0..size / 4 {
                bits.insert(rng.next_u32());
            }
            for len in 0..80 {
                let f: Vec<u8> = (0..len).map(|_| rng.index(4) as u8 + b'a').collect();
                assert_eq!(probed::<W>(&bits, &f), narrow::<W>(&bits, &f), "size {size}, len {len}");
                let f: Vec<u8> = (0..len).map(|_| rng.next_u32() as u8).collect();
                assert_eq!(probed::<W>(&bits, &f), narrow::<W>(&bits, &f), "size {size}, len {len}");
            }
        }
    }

    #[test]
    fn wide_and_narrow_probes_agree() {
        let mut rng = Rng::new(11);
        agree::<1>(&mut rng);
        agree::<2>(&mut rng);
        agree::<3>(&mut rng);
        agree::<4>(&mut rng);
    }

    #[test]
    fn the_wide_probe_runs_here() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let bits = HashedBits::sized(64, 64);
            let mut room = vec![0; 48];
            assert_eq!(
                bits.probe_wide::<4>(
                    &[0; 40],
                    &mut Spots {
                        room: &mut room,
                        len: 0
                    }
                ),
                32
            );
            return;
        }
        eprintln!("no AVX2 here: only the narrow probe is tested");
    }
}
