//! `exp`, `ln`, `pow` and `logistic` written so that loops over columns
//! vectorise, with the same bits on every machine.
//!
//! libm's functions are calls the compiler cannot vectorise, and they are
//! the largest single cost of the model logic. These are branch-free
//! (special cases are selects at the end), use no tables (no gathers) and no
//! integer/float conversions that AVX2 lacks (integers are moved through the
//! exponent field with the `2^52` trick instead), so a loop over a column
//! compiles to AVX2 vector code in the wide path and to scalar SSE2 code in
//! the portable path. Both compute the same bits: the operations are plain
//! IEEE-754 additions, multiplications and divisions in a fixed order, never
//! fused (Rust does not contract `a * b + c` into an FMA), and `floor` is
//! exact on every instruction set. The reference evaluator calls these same
//! functions, so it agrees with the engine bit for bit.
//!
//! Error against the correctly rounded result (measured by the tests below
//! against std's functions, which are within 1 ulp themselves):
//! - `exp`: at most 1 ulp over the whole domain (normal results); results
//!   in the subnormal range (x < -708.4) are within 1 ulp of the subnormal
//!   spacing.
//! - `ln`: at most 1 ulp (it is computed in double-double and rounded once).
//! - `pow`: at most 1 ulp when |y ln x| <= 64 (every base and exponent the
//!   bundled models use, e.g. `(3 / force_ratio) ^ 1.5`). Beyond, the error
//!   grows with |y|: the logarithm's tail is good to about 2^-60 and pow
//!   multiplies that by y, so near overflow (|y ln x| up to 709, a base near
//!   sqrt(2) and |y| near 2,000) it reaches 44 ulps (measured; tests allow
//!   64). Special cases (zeros, infinities, NaN, negative bases) are exactly
//!   std's `powf`'s.
//! - `logistic`: at most 2 ulps from the same formula over std's `exp`.
//!
//! Changing any constant or the order of any operation here changes results
//! at a fixed seed: these functions are part of the reproducibility contract.

/// 1.5 * 2^52: adding it to a float of magnitude below 2^51 rounds to an
/// integer and leaves that integer in the low mantissa bits.
const ROUND_SHIFT: f64 = 6_755_399_441_055_744.0;
/// Constants as bits, exactly fdlibm's. ln 2 split so that `k * LN2_HI` is exact for |k| < 2^11 (fdlibm's split).
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
const LOG2_E: f64 = std::f64::consts::LOG2_E;

/// 1/12!, 1/11!, ..., 1/2!: e^r = 1 + r + r^2 (1/2! + r/3! + ...).
const EXP_TAYLOR: [f64; 11] = [
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
];

/// Coefficients of fdlibm's log: (log(1+f) - 2s)/s ~ R(s^2), |error| < 2^-58.45.
const LG1: f64 = f64::from_bits(0x3FE5_5555_5555_5593);
const LG2: f64 = f64::from_bits(0x3FD9_9999_9997_FA04);
const LG3: f64 = f64::from_bits(0x3FD2_4924_9422_9359);
const LG4: f64 = f64::from_bits(0x3FCC_71C5_1D8E_78AF);
const LG5: f64 = f64::from_bits(0x3FC7_4664_96CB_03DE);
const LG6: f64 = f64::from_bits(0x3FC3_9A09_D078_C69F);
const LG7: f64 = f64::from_bits(0x3FC2_F112_DF3E_5244);

/// The integer `k` (|k| < 2^51) held by `f = k + ROUND_SHIFT`, as u64 bits
/// (two's complement): only integer adds, which AVX2 has for 64-bit lanes.
#[inline(always)]
fn shifted_int(f: f64) -> u64 {
    f.to_bits().wrapping_sub(ROUND_SHIFT.to_bits())
}

/// 2^k for an integer k in [-1022, 1023] given as u64 bits.
#[inline(always)]
fn two_to(k: u64) -> f64 {
    f64::from_bits(k.wrapping_add(1023) << 52)
}

/// e^(hi + lo) for |lo| much smaller than ulp(hi); the core of `exp` and
/// `pow`. NaN in, NaN out; overflow gives +inf and underflow 0.
#[inline(always)]
fn exp_dd(hi: f64, lo: f64) -> f64 {
    // Clamping keeps k within what two factors of 2^(k/2) can scale by;
    // outside it the result is inf or 0 anyway. NaN passes through.
    let x = hi.clamp(-746.0, 710.0);
    // A clamped x has lost its low part (which may then be garbage from
    // an overflowed product in `pow`).
    let lo = if x == hi { lo } else { 0.0 };
    // k = round(x / ln 2), r = x - k ln 2 in [-0.35, 0.35].
    let kf = (x * LOG2_E + ROUND_SHIFT) - ROUND_SHIFT;
    let r_hi = x - kf * LN2_HI; // exact: kf * LN2_HI has trailing zeros
    let r_lo = kf * LN2_LO - lo;
    let r = r_hi - r_lo;
    // e^r = 1 + r + r^2/2 + ...: Taylor to r^13 (truncation < 2^-60 for |r| <= 0.35).
    // Horner from the highest term; the loop unrolls (a fixed-size array).
    let mut q = 1.0 / 6_227_020_800.0;
    for c in EXP_TAYLOR {
        q = c + r * q;
    }
    // r_hi is exact and the largest term: add the small ones to it first.
    let p = 1.0 + (r_hi + (r * r * q - r_lo));
    // 2^k as two factors, so that results near overflow and subnormal ones
    // come out right; each factor is a normal power of two.
    let k = shifted_int(kf + ROUND_SHIFT);
    let k1 = shifted_int(kf * 0.5 + ROUND_SHIFT);
    let k2 = k.wrapping_sub(k1);
    let y = p * two_to(k1) * two_to(k2);
    if x.is_nan() { x } else { y }
}

/// e^x.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_dd(x, 0.0)
}

/// Dekker's exact product without FMA: a * b = hi + lo.
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let split = |v: f64| {
        let c = SPLIT * v;
        let h = c - (c - v);
        (h, v - h)
    };
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    (p, e)
}

/// ln x as an unevaluated sum hi + lo, |lo| <= ulp(hi), for finite x > 0
/// (other x give garbage that the callers replace).
#[inline(always)]
fn ln_dd(x: f64) -> (f64, f64) {
    // Subnormals: scale into the normal range first.
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny {
        x * 18_014_398_509_481_984.0
    } else {
        x
    }; // 2^54
    let bias = if tiny { 54.0 } else { 0.0 };
    // x = 2^k m with m in [sqrt(2)/2, sqrt(2)): shift the exponent field so
    // that mantissas above sqrt(2) carry into the next power of two.
    const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD;
    let ix = xs
        .to_bits()
        .wrapping_add(0x3FF0_0000_0000_0000 - SQRT_HALF_BITS);
    let m = f64::from_bits((ix & 0x000F_FFFF_FFFF_FFFF).wrapping_add(SQRT_HALF_BITS));
    // k + 1023 through the exponent field of 2^52 (no int-to-float needed).
    let biased = f64::from_bits(0x4330_0000_0000_0000 | (ix >> 52)) - 4_503_599_627_370_496.0;
    let k = biased - 1023.0 - bias;
    // ln m = 2 atanh(s) with s = f / (2 + f), f = m - 1 (exact).
    let f = m - 1.0;
    // u = 2s = 2f / (2 + f) as q + u_lo, through one reciprocal of d (a
    // vector division has several times a multiplication's throughput
    // cost, and `pow` paid two): q = 2f (1/d) is within 2 ulps of u, and
    // u - q = (2(f - q) - q f) / d for any q, where f - q (Sterbenz)
    // and the product q f (Dekker) are exact, so u_lo still carries q's
    // error and q + u_lo is u to far below an ulp.
    let d = 2.0 + f;
    let rd = 1.0 / d;
    let q = (f + f) * rd;
    let (ph, pl) = two_prod(q, f);
    let u_lo = ((2.0 * (f - q) - ph) - pl) * rd;
    let s = 0.5 * q;
    let z = s * s;
    let r = z * (LG1 + z * (LG2 + z * (LG3 + z * (LG4 + z * (LG5 + z * (LG6 + z * LG7))))));
    let tail = u_lo + s * r;
    // k ln 2 + q + tail, the large part summed exactly.
    let a = k * LN2_HI;
    let hi = a + q;
    let err = if a.abs() >= q.abs() {
        (a - hi) + q
    } else {
        (q - hi) + a
    };
    let lo = err + (tail + k * LN2_LO);
    let sum = hi + lo;
    (sum, (hi - sum) + lo)
}

/// ln x: -inf at 0 (either sign), NaN below 0, +inf at +inf.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let (hi, _) = ln_dd(x);
    if x.is_nan() || x < 0.0 {
        f64::NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        hi
    }
}

/// x^y with C99/IEEE `pow`'s special cases (what std's `powf` returns):
/// x^0 = 1 and 1^y = 1 even for NaN; a negative finite base needs an integer
/// exponent (else NaN) and takes the sign of odd ones; zeros and infinities
/// as in `powf`.
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    let ax = x.abs();
    let (l_hi, l_lo) = ln_dd(ax);
    // ln|x| at its special points (ln_dd is only meant for finite x > 0).
    let (l_hi, l_lo) = if ax == 0.0 {
        (f64::NEG_INFINITY, 0.0)
    } else if ax == f64::INFINITY {
        (f64::INFINITY, 0.0)
    } else {
        (l_hi, l_lo)
    };
    // y ln|x| in double-double.
    let (p, e) = two_prod(y, l_hi);
    let p_lo = e + y * l_lo;
    let p_lo = if p.is_finite() && p_lo.is_finite() {
        p_lo
    } else {
        0.0
    };
    let hi = p + p_lo;
    // An infinite product (a zero or infinite base) has no low part.
    let lo = if hi.is_finite() { (p - hi) + p_lo } else { 0.0 };
    let magnitude = exp_dd(hi, lo);
    // Integer and odd exponents: floor is exact everywhere; |y| >= 2^53 is even.
    let integer = y.floor() == y;
    let half = y * 0.5;
    let odd = integer && half.floor() != half;
    let negative = x.is_sign_negative() && !x.is_nan();
    if y == 0.0 || x == 1.0 || (ax == 1.0 && y.is_infinite()) {
        1.0
    } else if x.is_nan() || y.is_nan() || (negative && x.is_finite() && x != 0.0 && !integer) {
        f64::NAN
    } else if negative && odd {
        -magnitude
    } else {
        magnitude
    }
}

/// 1 / (1 + e^-x) without overflow for any x.
#[inline(always)]
pub fn logistic(x: f64) -> f64 {
    // exp(-|x|) never overflows; 1 / (1 + e) for x >= 0, e / (1 + e) below.
    // The side is a select, not a branch: its sign is often unpredictable.
    let e = exp(-x.abs());
    let numerator = if x >= 0.0 { 1.0 } else { e };
    let y = numerator / (1.0 + e);
    if x.is_nan() { x } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place, through the ordered integer
    /// image of the floats (both finite, or equal).
    fn ulps(a: f64, b: f64) -> u64 {
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0;
        }
        if !a.is_finite() || !b.is_finite() || a.is_nan() || b.is_nan() {
            return u64::MAX;
        }
        let key = |v: f64| {
            let i = v.to_bits() as i64;
            if i < 0 { i64::MIN - i } else { i }
        };
        key(a).abs_diff(key(b))
    }

    /// A deterministic spread of test points (SplitMix64).
    fn points(n: usize, seed: u64) -> impl Iterator<Item = u64> {
        let mut s = seed;
        (0..n).map(move |_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
    }

    fn unit(b: u64) -> f64 {
        (b >> 11) as f64 / (1u64 << 53) as f64
    }

    fn worst(pairs: impl Iterator<Item = (f64, f64, f64)>) -> (u64, f64) {
        pairs
            .map(|(x, got, want)| (ulps(got, want), x))
            .max_by_key(|p| p.0)
            .unwrap_or((0, 0.0))
    }

    #[test]
    fn exp_is_within_one_ulp_everywhere() {
        let xs = points(400_000, 1)
            .map(|b| -708.0 + 1417.0 * unit(b))
            .chain(points(100_000, 2).map(|b| (unit(b) - 0.5) * 2.0))
            .chain(points(100_000, 3).map(|b| (unit(b) - 0.5) * 1e-6));
        let (w, at) = worst(xs.map(|x| (x, exp(x), x.exp())));
        assert!(w <= 1, "exp: {w} ulps at {at:e}");
    }

    #[test]
    fn exp_edges() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1e-300,
            -1e-300,
            5e-324,
            709.0,
            709.782712893384,
            709.7827128933841,
            710.0,
            1e10,
            f64::MAX,
            f64::INFINITY,
            -708.39,
            -708.4,
            -720.0,
            -740.0,
            -745.0,
            -745.1332191019411,
            -745.1332191019412,
            -746.0,
            -1e10,
            f64::MIN,
            f64::NEG_INFINITY,
        ] {
            let (got, want) = (exp(x), x.exp());
            // Subnormal results: compare on the subnormal grid.
            let ok = if want.abs() < f64::MIN_POSITIVE {
                (got - want).abs() <= 5e-324
            } else {
                ulps(got, want) <= 1
            };
            assert!(ok, "exp({x:e}) = {got:e}, std {want:e}");
        }
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        // Subnormal results over the whole underflow range.
        for b in points(50_000, 4) {
            let x = -745.2 + 36.9 * unit(b);
            let (got, want) = (exp(x), x.exp());
            let tol = if want < f64::MIN_POSITIVE {
                5e-324
            } else {
                0.0
            };
            assert!(
                ulps(got, want) <= 1 || (got - want).abs() <= tol,
                "exp({x:e}) = {got:e}, std {want:e}"
            );
        }
    }

    #[test]
    fn ln_is_within_one_ulp_everywhere() {
        // Every binade, random mantissas: all positive finite doubles,
        // subnormals included.
        let xs = points(500_000, 5)
            .map(|b| f64::from_bits(b & 0x7FEF_FFFF_FFFF_FFFF))
            .chain(points(100_000, 6).map(|b| 0.5 + unit(b)))
            .chain(points(100_000, 7).map(|b| 1.0 + (unit(b) - 0.5) * 1e-9))
            .chain(points(20_000, 8).map(|b| f64::from_bits(b >> 12)));
        let (w, at) = worst(xs.filter(|x| *x > 0.0).map(|x| (x, ln(x), x.ln())));
        assert!(w <= 1, "ln: {w} ulps at {at:e}");
    }

    #[test]
    fn ln_edges() {
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(-5e-324).is_nan());
        assert!(ln(f64::NEG_INFINITY).is_nan());
        assert!(ln(f64::NAN).is_nan());
        for x in [
            5e-324,
            1e-310,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE * (1.0 - f64::EPSILON),
            f64::MAX,
            std::f64::consts::E,
            2.0,
            0.5,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
        ] {
            assert!(
                ulps(ln(x), x.ln()) <= 1,
                "ln({x:e}) = {:e}, std {:e}",
                ln(x),
                x.ln()
            );
        }
    }

    /// pow's error grows with |y ln x|; within 64 it is at most 1 ulp.
    #[test]
    fn pow_is_within_one_ulp_for_moderate_results() {
        let cases = points(300_000, 9).map(|b| {
            let x = f64::from_bits(0x3F00_0000_0000_0000 + (b >> 12) % 0x0200_0000_0000_0000); // 2^-15..2^17
            let y = (unit(b.rotate_left(17)) - 0.5) * 12.0;
            (x, y)
        });
        let model = points(100_000, 10).map(|b| (3.0 / (0.01 + 20.0 * unit(b)), 1.5));
        let (w, at) = worst(
            cases
                .chain(model)
                .filter(|(x, y)| (y * x.ln()).abs() <= 64.0)
                .map(|(x, y)| (x, pow(x, y), x.powf(y))),
        );
        assert!(w <= 1, "pow: {w} ulps at x = {at:e}");
    }

    #[test]
    fn pow_error_stays_bounded_near_overflow() {
        let (w, at) = worst(points(200_000, 11).map(|b| {
            let x = 1.0 + unit(b) * 2.0;
            let y = 700.0 / x.ln() * (unit(b.rotate_left(29)) * 2.0 - 1.0);
            (x, pow(x, y), x.powf(y))
        }));
        assert!(w <= 64, "pow: {w} ulps at x = {at:e}");
    }

    #[test]
    fn pow_special_cases_are_powf_s() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            2.0,
            -2.0,
            3.0,
            -3.0,
            1.5,
            -1.5,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9007199254740993.0,
            -9007199254740993.0,
        ];
        for &x in &specials {
            for &y in &specials {
                let (got, want) = (pow(x, y), x.powf(y));
                let ok = ulps(got, want) <= 1
                    && (got.is_sign_negative() == want.is_sign_negative() || got.is_nan());
                assert!(ok, "pow({x:e}, {y:e}) = {got:e}, powf {want:e}");
            }
        }
        // Negative bases with integer exponents: (x)^2, (x)^3, (x)^-1.
        for b in points(10_000, 12) {
            let x = -(unit(b) * 100.0);
            for y in [2.0, 3.0, -1.0, -2.0, 7.0] {
                assert!(ulps(pow(x, y), x.powf(y)) <= 1, "pow({x:e}, {y})");
            }
        }
    }

    #[test]
    fn logistic_is_within_two_ulps() {
        let xs = points(300_000, 13).map(|b| (unit(b) - 0.5) * 1500.0);
        let reference = |x: f64| {
            let e = (-x.abs()).exp();
            (if x >= 0.0 { 1.0 } else { e }) / (1.0 + e)
        };
        let (w, at) = worst(xs.map(|x| (x, logistic(x), reference(x))));
        assert!(w <= 2, "logistic: {w} ulps at {at:e}");
        assert_eq!(logistic(0.0), 0.5);
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(f64::INFINITY), 1.0);
        assert_eq!(logistic(f64::NEG_INFINITY), 0.0);
        assert!(logistic(f64::NAN).is_nan());
    }
}
