//! Runtime CPU dispatch for the hot loops.
//!
//! The block loops are compiled twice: once for any x86-64 (or other
//! architecture) and once with AVX2 and FMA enabled, chosen at run time.
//! The results are bit-identical: Rust never contracts `a * b + c` into a
//! fused multiply-add or reorders floating-point operations on its own, so
//! the wider instructions compute exactly the same values, only faster.

/// Evaluates `$call` (a method call whose callee is `#[inline(always)]`)
/// inside a function compiled for AVX2 + FMA when the CPU has them.
macro_rules! dispatch {
    ($call:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            fn wide<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                unsafe { wide(|| $call) }
            } else {
                $call
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $call
        }
    }};
}

pub(crate) use dispatch;
