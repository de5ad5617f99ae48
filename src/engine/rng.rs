//! Random streams. A stream is identified by (seed, chunk index, node name)
//! and nothing else, so a variant that changes one node keeps every other
//! node's draws (common random numbers), and the thread that runs a chunk
//! cannot change what it draws.
//!
//! A stream is four xoshiro256++ generators run in lockstep, read in lane
//! order (lane 0, 1, 2, 3, lane 0, ...): the same algorithm as the rand
//! crates' `Xoshiro256PlusPlus`, laid out so that the compiler turns four
//! generator steps into a few vector instructions.
//!
//! These functions are part of the reproducibility contract: changing them
//! changes every result at a fixed seed.

use crate::distributions::unit_from_bits;

const LANES: usize = 4;

/// FNV-1a of a node's name: stable across platforms and compiler versions
/// (unlike `std::hash`).
pub fn stream_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Node `id`'s stream identity at time step `step` (1-based, language
/// 1.2): step 1 is the node's static stream, so a static model and its
/// stepped child share draws; a later step's is a bijective mix of the
/// node's and the step's, so distinct steps of one node never collide.
pub fn step_stream_id(id: u64, step: u32) -> u64 {
    if step == 1 {
        id
    } else {
        mix(id ^ mix(0x7374_6570_0000_0000 ^ u64::from(step)))
    }
}

/// SplitMix64's finaliser: a bijective mixer with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The body of the vector `fill_unit`s, given the two rotations as
/// functions of a 256-bit register: the same operations as `next4` and
/// `unit_from_bits`, so the same bits. A macro rather than a function so
/// that it expands inside each `#[target_feature]` function (the
/// intrinsics are safe there, and compiled with its features).
#[cfg(target_arch = "x86_64")]
macro_rules! fill_unit_vector {
    ($rng:expr, $out:expr, $rotate_23:expr, $rotate_45:expr) => {{
        use std::arch::x86_64::*;
        let rng: &mut StreamRng = $rng;
        let out: &mut [f64] = $out;
        let load = |w: &[u64; LANES]| {
            // SAFETY: `w` is 4 u64 = 32 readable bytes; loadu needs no alignment.
            unsafe { _mm256_loadu_si256(w.as_ptr().cast()) }
        };
        let [mut s0, mut s1, mut s2, mut s3] = [0, 1, 2, 3].map(|w| load(&rng.state[w]));
        let one_exponent = _mm256_set1_epi64x(0x3FF0_0000_0000_0000);
        let offset = _mm256_set1_pd(1.0 - f64::EPSILON / 2.0);
        let mut groups = out.chunks_exact_mut(LANES);
        for group in &mut groups {
            let result = _mm256_add_epi64($rotate_23(_mm256_add_epi64(s0, s3)), s0);
            let t = _mm256_slli_epi64::<17>(s1);
            s2 = _mm256_xor_si256(s2, s0);
            s3 = _mm256_xor_si256(s3, s1);
            s1 = _mm256_xor_si256(s1, s2);
            s0 = _mm256_xor_si256(s0, s3);
            s2 = _mm256_xor_si256(s2, t);
            s3 = $rotate_45(s3);
            let bits = _mm256_or_si256(_mm256_srli_epi64::<12>(result), one_exponent);
            let u = _mm256_sub_pd(_mm256_castsi256_pd(bits), offset);
            // SAFETY: `group` is exactly 4 writable f64; storeu needs no alignment.
            unsafe { _mm256_storeu_pd(group.as_mut_ptr(), u) };
        }
        for (w, v) in [s0, s1, s2, s3].into_iter().enumerate() {
            // SAFETY: the state word is 32 writable bytes.
            unsafe { _mm256_storeu_si256(rng.state[w].as_mut_ptr().cast(), v) };
        }
        rng.fill_unit_portable(groups.into_remainder());
    }};
}

/// The generator of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRng {
    /// `state[word][lane]`: lanes side by side, so each step is one vector op.
    state: [[u64; LANES]; 4],
}

impl StreamRng {
    /// Seeds the four lanes from a SplitMix64 sequence started at `key`
    /// (the seeding the xoshiro authors recommend).
    pub fn from_key(key: u64) -> Self {
        let mut x = key;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(x)
        };
        let mut state = [[0; LANES]; 4];
        for lane in 0..LANES {
            for word in &mut state {
                word[lane] = next();
            }
        }
        StreamRng { state }
    }

    /// One step of all four lanes.
    #[inline(always)]
    fn next4(&mut self) -> [u64; LANES] {
        let [s0, s1, s2, s3] = &mut self.state;
        let mut out = [0; LANES];
        for k in 0..LANES {
            out[k] = s0[k]
                .wrapping_add(s3[k])
                .rotate_left(23)
                .wrapping_add(s0[k]);
            let t = s1[k] << 17;
            s2[k] ^= s0[k];
            s3[k] ^= s1[k];
            s1[k] ^= s2[k];
            s0[k] ^= s3[k];
            s2[k] ^= t;
            s3[k] = s3[k].rotate_left(45);
        }
        out
    }

    /// Fills `out` with uniforms in (0, 1). Values come four at a time; when
    /// `out.len()` is not a multiple of four the spare values are dropped,
    /// which is deterministic because block lengths are fixed by the sample
    /// count alone.
    #[inline(always)]
    pub fn fill_unit(&mut self, out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::rotate_available() {
            // SAFETY: the CPU has AVX2, AVX-512F and AVX-512VL, checked just above.
            unsafe { self.fill_unit_avx512(out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if crate::simd::wide_available() {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.fill_unit_avx2(out) };
            return;
        }
        self.fill_unit_portable(out)
    }

    /// The reference implementation of `fill_unit`.
    #[inline(always)]
    pub fn fill_unit_portable(&mut self, out: &mut [f64]) {
        for group in out.chunks_mut(LANES) {
            let bits = self.next4();
            for (o, b) in group.iter_mut().zip(bits) {
                *o = unit_from_bits(b);
            }
        }
    }

    /// `fill_unit` with the four lanes in one AVX2 register per state word.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_unit_avx2(&mut self, out: &mut [f64]) {
        fill_unit_vector!(
            self,
            out,
            |x| _mm256_or_si256(_mm256_slli_epi64::<23>(x), _mm256_srli_epi64::<41>(x)),
            |x| _mm256_or_si256(_mm256_slli_epi64::<45>(x), _mm256_srli_epi64::<19>(x))
        )
    }

    /// `fill_unit_avx2` with AVX-512VL's one-instruction rotate (`vprolq`)
    /// on the same 256-bit registers, in place of two shifts and an or: 4
    /// of the loop's 18 instructions per four uniforms. A rotate is a
    /// rotate, so the bits are the same.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn fill_unit_avx512(&mut self, out: &mut [f64]) {
        fill_unit_vector!(self, out, |x| _mm256_rol_epi64::<23>(x), |x| {
            _mm256_rol_epi64::<45>(x)
        })
    }
}

/// The generator for one node in one chunk.
pub fn stream(seed: u64, chunk: u64, id: u64) -> StreamRng {
    StreamRng::from_key(mix(mix(mix(seed) ^ chunk) ^ id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn streams_depend_on_every_part_of_their_identity() {
        let first = |s: u64, c: u64, id: u64| {
            let mut out = [0.0; 4];
            stream(s, c, id).fill_unit(&mut out);
            out
        };
        let base = first(1, 2, stream_id("a"));
        assert_eq!(base, first(1, 2, stream_id("a")));
        assert_ne!(base, first(2, 2, stream_id("a")));
        assert_ne!(base, first(1, 3, stream_id("a")));
        assert_ne!(base, first(1, 2, stream_id("b")));
        // Swapping chunk and seed must not give the same stream.
        assert_ne!(first(2, 1, stream_id("a")), base);
    }

    #[test]
    fn each_lane_is_the_reference_xoshiro256plusplus() {
        let mut lanes = StreamRng::from_key(12345);
        let mut reference: Vec<rand_xoshiro::Xoshiro256PlusPlus> = (0..LANES)
            .map(|lane| {
                let mut seed = [0u8; 32];
                for (w, word) in lanes.state.iter().enumerate() {
                    seed[w * 8..w * 8 + 8].copy_from_slice(&word[lane].to_le_bytes());
                }
                rand_xoshiro::Xoshiro256PlusPlus::from_seed(seed)
            })
            .collect();
        for _ in 0..100 {
            let got = lanes.next4();
            for (lane, r) in reference.iter_mut().enumerate() {
                assert_eq!(got[lane], r.next_u64());
            }
        }
    }

    #[test]
    fn uniforms_are_open_and_exact_midpoints() {
        assert_eq!(unit_from_bits(0), f64::EPSILON / 2.0);
        assert_eq!(unit_from_bits(u64::MAX), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(unit_from_bits(1 << 63), 0.5 + f64::EPSILON / 2.0);
        // Spare lanes are dropped: a length-5 fill then reads a fresh group.
        let mut a = stream(1, 1, 1);
        let mut five = [0.0; 5];
        a.fill_unit(&mut five);
        let mut b = stream(1, 1, 1);
        let mut eight = [0.0; 8];
        b.fill_unit(&mut eight);
        assert_eq!(five[..5], eight[..5]);
    }

    #[test]
    fn the_vector_path_gives_the_reference_bits() {
        for len in [0, 3, 4, 1024, 1027] {
            let (mut a, mut b) = (stream(3, 4, 5), stream(3, 4, 5));
            let (mut x, mut y) = (vec![0.0; len], vec![0.0; len]);
            for _ in 0..3 {
                a.fill_unit(&mut x);
                b.fill_unit_portable(&mut y);
                assert_eq!(x, y, "length {len}");
            }
        }
    }

    /// Each vector path on its own (`fill_unit` takes only the widest),
    /// wherever the CPU has it, also in a `portable` build (which never
    /// takes them itself): the state after each fill too, since the next
    /// fill starts from it.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn each_vector_path_gives_the_reference_bits() {
        use std::arch::is_x86_feature_detected as has;
        type Fill = unsafe fn(&mut StreamRng, &mut [f64]);
        let mut paths: Vec<(&str, Fill)> = Vec::new();
        if has!("avx2") {
            paths.push(("avx2", StreamRng::fill_unit_avx2));
            if has!("avx512f") && has!("avx512vl") {
                paths.push(("avx512", StreamRng::fill_unit_avx512));
            }
        }
        for (name, fill) in paths {
            for len in [0, 3, 4, 8, 1024, 1027] {
                let (mut a, mut b) = (stream(3, 4, 5), stream(3, 4, 5));
                let (mut x, mut y) = (vec![0.0; len], vec![0.0; len]);
                for _ in 0..3 {
                    // SAFETY: the CPU has the features the path needs, checked above.
                    unsafe { fill(&mut a, &mut x) };
                    b.fill_unit_portable(&mut y);
                    assert_eq!(x, y, "{name}, length {len}");
                    assert_eq!(a, b, "{name}, length {len}");
                }
            }
        }
    }

    #[test]
    fn stream_ids_are_pinned() {
        // FNV-1a test vectors.
        assert_eq!(stream_id(""), 0xcbf29ce484222325);
        assert_eq!(stream_id("a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn step_stream_ids_are_pinned_and_distinct() {
        let id = stream_id("a");
        assert_eq!(step_stream_id(id, 1), id);
        assert_eq!(step_stream_id(id, 2), 0x546c_44a7_9550_8d3f);
        assert_eq!(step_stream_id(id, 36), 0xf483_c304_8d34_eb13);
        let ids: std::collections::HashSet<u64> =
            (1..=10_000).map(|s| step_stream_id(id, s)).collect();
        assert_eq!(ids.len(), 10_000);
    }
}
