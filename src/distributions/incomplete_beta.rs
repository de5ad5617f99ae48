//! The beta distribution's quantile and density for one (alpha, beta), as
//! statrs 0.19.1 computes them (`inv_beta_reg`, `checked_beta_reg`,
//! `Beta::pdf`), with what depends only on the shapes computed once.
//!
//! statrs evaluates the same three `ln_gamma` terms on every call and on
//! every Newton step of the inverse; a beta input's quantile table takes
//! about 4,000 inverses, so computing them once per pair of shapes shortens
//! a model's start-up. The port keeps every floating-point operation of
//! the original in its order (the hoisted terms are the same expressions of
//! the same values), so the results are the same bits, which the tests
//! check against statrs itself.
//!
//! Ported from statrs 0.19.1 (src/function/beta.rs, src/distribution/beta.rs),
//! MIT License, Copyright (c) 2016 Michael Ma.

use statrs::distribution::Continuous;
use statrs::function::gamma::{gamma, ln_gamma};

/// statrs' `prec::F64_PREC`.
const F64_PREC: f64 = 0.000_000_000_000_000_111_022_302_462_515_65;
/// statrs' `MODULE_EPS` in function/beta.rs.
const MODULE_EPS: f64 = 1e-15;

/// One (alpha, beta) pair's quantile and density.
pub struct BetaShapes {
    a: f64,
    b: f64,
    /// ln B(a, b) as `checked_ln_beta(a, b)` computes it.
    ln_beta: f64,
    /// `ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b)` in that order, for the
    /// shapes as given and swapped (the inverse may swap them).
    front: f64,
    front_swapped: f64,
    /// `Beta::pdf`'s gamma(a + b) / (gamma(a) gamma(b)).
    density_scale: f64,
    statrs: statrs::distribution::Beta,
}

impl BetaShapes {
    /// None where statrs rejects the shapes.
    pub fn new(a: f64, b: f64) -> Option<BetaShapes> {
        let statrs = statrs::distribution::Beta::new(a, b).ok()?;
        Some(BetaShapes {
            a,
            b,
            ln_beta: ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b),
            front: ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b),
            front_swapped: ln_gamma(b + a) - ln_gamma(b) - ln_gamma(a),
            density_scale: gamma(a + b) / (gamma(a) * gamma(b)),
            statrs,
        })
    }

    /// `Beta::pdf` of statrs.
    pub fn pdf(&self, x: f64) -> f64 {
        let (a, b) = (self.a, self.b);
        if !(0.0..=1.0).contains(&x) {
            0.0
        } else if a == 1.0 && b == 1.0 {
            1.0
        } else if a > 80.0 || b > 80.0 {
            self.statrs.pdf(x)
        } else {
            self.density_scale * x.powf(a - 1.0) * (1.0 - x).powf(b - 1.0)
        }
    }

    /// `inv_beta_reg(a, b, x)` of statrs (Algorithm AS 64 with remarks AS
    /// R19, R83 and AS 109), for x in [0, 1].
    pub fn inverse_cdf(&self, mut x: f64) -> f64 {
        const SAE: i32 = -30;
        const FPU: f64 = 1e-30;
        let (mut a, mut b) = (self.a, self.b);
        let ln_beta = self.ln_beta;
        if x == 0.0 {
            return 0.0;
        }
        if x == 1.0 {
            return 1.0;
        }
        let mut p;
        let mut q;
        let flip = 0.5 < x;
        if flip {
            p = a;
            a = b;
            b = p;
            x = 1.0 - x;
        }
        // The incomplete beta below is called with the shapes as they now
        // stand.
        let front = if flip { self.front_swapped } else { self.front };
        p = (-(x * x).ln()).sqrt();
        q = p - (2.30753 + 0.27061 * p) / (1.0 + (0.99229 + 0.04481 * p) * p);
        if 1.0 < a && 1.0 < b {
            let r = (q * q - 3.0) / 6.0;
            let s = 1.0 / (2.0 * a - 1.0);
            let t = 1.0 / (2.0 * b - 1.0);
            let h = 2.0 / (s + t);
            let w = q * (h + r).sqrt() / h - (t - s) * (r + 5.0 / 6.0 - 2.0 / (3.0 * h));
            p = a / (a + b * (2.0 * w).exp());
        } else {
            let mut t = 1.0 / (9.0 * b);
            t = 2.0 * b * (1.0 - t + q * t.sqrt()).powf(3.0);
            if t <= 0.0 {
                p = 1.0 - ((((1.0 - x) * b).ln() + ln_beta) / b).exp();
            } else {
                t = 2.0 * (2.0 * a + b - 1.0) / t;
                if t <= 1.0 {
                    p = (((x * a).ln() + ln_beta) / a).exp();
                } else {
                    p = 1.0 - 2.0 / (t + 1.0);
                }
            }
        }
        p = p.clamp(0.0001, 0.9999);
        let e = (-5.0 / a / a - 1.0 / x.powf(0.2) - 13.0) as i32;
        let acu = if e > SAE { f64::powi(10.0, e) } else { FPU };
        let mut pnext;
        let mut qprev = 0.0;
        let mut sq = 1.0;
        let mut prev = 1.0;
        'outer: loop {
            q = regularized(a, b, front, p);
            q = (q - x) * (ln_beta + (1.0 - a) * p.ln() + (1.0 - b) * (1.0 - p).ln()).exp();
            if q * qprev <= 0.0 {
                prev = if sq > FPU { sq } else { FPU };
            }
            let mut g = 1.0;
            loop {
                loop {
                    let adj = g * q;
                    sq = adj * adj;
                    if sq < prev {
                        pnext = p - adj;
                        if (0.0..=1.0).contains(&pnext) {
                            break;
                        }
                    }
                    g /= 3.0;
                }
                if prev <= acu || q * q <= acu {
                    p = pnext;
                    break 'outer;
                }
                if pnext != 0.0 && pnext != 1.0 {
                    break;
                }
                g /= 3.0;
            }
            if pnext == p {
                break;
            }
            p = pnext;
            qprev = q;
        }
        if flip { 1.0 - p } else { p }
    }
}

/// `checked_beta_reg(a, b, x)` of statrs for a, b > 0 and x in [0, 1] (as
/// the inverse calls it), given `front` = ln_gamma(a + b) - ln_gamma(a) -
/// ln_gamma(b) for these a and b.
fn regularized(a: f64, b: f64, front: f64, x: f64) -> f64 {
    // statrs' `ulps_eq!(x, 1.0, epsilon = MODULE_EPS)`: within 1e-15, or
    // within 5 ulps, which below 1 is the narrower of the two.
    let near_one = x == 1.0 || (x - 1.0).abs() <= MODULE_EPS;
    let bt = if x == 0.0 || near_one {
        0.0
    } else {
        (front + a * x.ln() + b * (1.0 - x).ln()).exp()
    };
    let symm_transform = x >= (a + 1.0) / (a + b + 2.0);
    let eps = F64_PREC;
    let fpmin = f64::MIN_POSITIVE / eps;
    let (mut a, mut b, mut x) = (a, b, x);
    if symm_transform {
        let swap = a;
        x = 1.0 - x;
        a = b;
        b = swap;
    }
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < fpmin {
        d = fpmin;
    }
    d = 1.0 / d;
    let mut h = d;
    // Lentz's step for a continued-fraction coefficient `aa`: the new d and c.
    let lentz = |aa: f64, d: f64, c: f64| {
        let mut d = 1.0 + aa * d;
        if d.abs() < fpmin {
            d = fpmin;
        }
        let mut c = 1.0 + aa / c;
        if c.abs() < fpmin {
            c = fpmin;
        }
        (1.0 / d, c)
    };
    for m in 1..141 {
        let m = f64::from(m);
        let m2 = m * 2.0;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        (d, c) = lentz(aa, d, c);
        h = h * d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        (d, c) = lentz(aa, d, c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= eps {
            break;
        }
    }
    if symm_transform {
        1.0 - bt * h / a
    } else {
        bt * h / a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::ContinuousCDF;

    /// Shapes on every branch: both above 1 (Carter's start), either below
    /// 1, equal, far apart, and above 80 (the density's other formula).
    const SHAPES: [(f64, f64); 10] = [
        (2.0, 5.0),
        (5.0, 2.0),
        (0.5, 0.5),
        (0.3, 4.0),
        (4.0, 0.3),
        (1.0, 1.0),
        (1.0, 3.0),
        (12.5, 37.5),
        (90.0, 10.0),
        (0.05, 200.0),
    ];

    #[test]
    fn the_same_bits_as_statrs() {
        // The quantile tables ask for probabilities from 2^-40 to 1/2 (and
        // the mirrored shapes for the upper tail); statrs' inverse does not
        // return for some far smaller ones (1e-300), so neither does this.
        let mut points: Vec<f64> = vec![0.0, 1.0, 0.5, 0.999_999, 1.0 - 2f64.powi(-40)];
        for k in 0..=400 {
            let s = 0.5 * 2f64.powf(-39.0 * k as f64 / 400.0);
            points.extend([s, 1.0 - s, 0.5 - s / 3.0, s * 1.01]);
        }
        for (a, b) in SHAPES {
            let ours = BetaShapes::new(a, b).unwrap();
            let theirs = statrs::distribution::Beta::new(a, b).unwrap();
            for &x in &points {
                let (q, reference) = (ours.inverse_cdf(x), theirs.inverse_cdf(x));
                assert_eq!(
                    q.to_bits(),
                    reference.to_bits(),
                    "quantile of beta({a}, {b}) at {x}"
                );
                let (d, reference) = (ours.pdf(q), theirs.pdf(q));
                assert_eq!(
                    d.to_bits(),
                    reference.to_bits(),
                    "density of beta({a}, {b}) at {q}"
                );
            }
            for x in [-0.5, 1.5, 0.0, 1.0] {
                assert_eq!(ours.pdf(x).to_bits(), theirs.pdf(x).to_bits());
            }
        }
    }

    #[test]
    fn shapes_statrs_rejects_are_refused() {
        assert!(BetaShapes::new(0.0, 1.0).is_none());
        assert!(BetaShapes::new(1.0, f64::NAN).is_none());
    }
}
