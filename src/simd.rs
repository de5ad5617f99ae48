//! Runtime CPU dispatch for the hot loops.
//!
//! The block loops are compiled twice: once for any x86-64 (or other
//! architecture) and once with AVX2 and FMA enabled, chosen at run time
//! (`wide_available`); the random streams have a third version, for CPUs
//! with AVX-512VL as well (`rotate_available`). Each hot method has an `#[inline(always)]` body and a
//! `#[target_feature]` twin that calls it, so the body is compiled inside
//! the wide function. The results are bit-identical: Rust never contracts
//! `a * b + c` into a fused multiply-add or reorders floating-point
//! operations on its own, so the wider instructions compute the same values.
//!
//! Built with the cargo feature `portable`, the portable loops run even
//! where AVX2 is present: for benchmarking, and for checking that both
//! paths give the same bits; it changes speed, never results. It is a
//! build choice, not a switch read at run time, so that nothing in the
//! environment of a process changes how the library computes.

/// True when the CPU runs the AVX2 + FMA versions of the hot loops (the
/// standard library caches the CPU's answer).
#[inline]
pub fn wide_available() -> bool {
    !cfg!(feature = "portable") && cpu_has_wide()
}

/// True when `wide_available` is and the CPU also has AVX-512F and
/// AVX-512VL, whose 256-bit rotate the random streams use
/// (`engine::rng`). False under the `portable` feature, as that is.
#[inline]
pub fn rotate_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        wide_available()
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn cpu_has_wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
