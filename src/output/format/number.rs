//! Numbers as text: in result files (`number`: every digit, read back
//! exactly) and at the terminal (`fmt`: four significant digits, aligned in
//! columns).

/// Formats a number for CSV and JSON-free text: shortest round-trip form,
/// `NaN` for undefined values (pandas, polars and R read it as missing).
/// Magnitudes below 1e-5 or from 1e16 up take exponent form (`1.5e-50`),
/// which every CSV reader reads, where positional form would spell out
/// dozens of zeros.
pub fn number(x: f64) -> String {
    let a = x.abs();
    if x.is_nan() {
        "NaN".to_string()
    } else if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Four significant digits, without switching notation mid-column.
pub fn fmt(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e7).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else {
        let decimals = if a == 0.0 {
            0
        } else {
            (3 - a.log10().floor() as i32).max(0) as usize
        };
        format!("{x:.decimals$}")
    }
}

/// A value known to within `resolution` of itself (relative): as many
/// digits as that supports, the last one's unit at least twice the error,
/// so the exact value is within one unit of the last digit printed; at most
/// `fmt`'s four significant digits.
pub fn fmt_within(x: f64, resolution: f64) -> String {
    let a = x.abs();
    if resolution <= 0.0 || a == 0.0 || !x.is_finite() {
        return fmt(x);
    }
    let decimals = (-(2.0 * resolution * a).log10()).floor() as i32;
    let sig = (a.log10().floor() as i32 + 1 + decimals).clamp(1, 4);
    if !(1e-4..1e7).contains(&a) {
        return format!("{x:.*e}", (sig - 1) as usize);
    }
    let decimals = sig - 1 - a.log10().floor() as i32;
    if decimals >= 0 {
        format!("{x:.*}", decimals as usize)
    } else {
        let unit = 10f64.powi(-decimals);
        format!("{:.0}", (x / unit).round() * unit)
    }
}

/// 1000000 -> "1,000,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_and_tiny_ones_take_exponent_form() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (0.25, "0.25"),
            (0.000033974432469470896, "0.000033974432469470896"),
            (3.332000937312528e-11, "3.332000937312528e-11"),
            (-1.5e-50, "-1.5e-50"),
            (123456.5, "123456.5"),
            (2.5e17, "2.5e17"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "NaN"),
        ];
        for (x, text) in cases {
            assert_eq!(number(x), text);
            if !x.is_nan() {
                assert_eq!(
                    text.parse::<f64>().unwrap().to_bits(),
                    x.to_bits(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(fmt(0.002672), "0.002672");
        assert_eq!(fmt(14767.2), "14767");
        assert_eq!(fmt(1.4031), "1.403");
        assert_eq!(fmt(0.0), "0");
        assert_eq!(fmt(3.2e-7), "3.200e-7");
        // Fine resolution (6.1e-5): the last digit's unit at least twice the error.
        let fine = crate::stats::fine::FINE_RELATIVE_ACCURACY;
        assert_eq!(fmt_within(100.0039, fine), "100.0");
        assert_eq!(fmt_within(83.5742, fine), "83.6");
        assert_eq!(fmt_within(4.56789, fine), "4.568");
        // The coarse sketch's 0.39%: fewer digits.
        let coarse = crate::stats::sketch::RELATIVE_ACCURACY;
        assert_eq!(fmt_within(100.0039, coarse), "100");
        assert_eq!(fmt_within(83.5742, coarse), "84");
        assert_eq!(fmt_within(14767.2, coarse), "15000");
        assert_eq!(fmt_within(2.5e-6, coarse), "2.5e-6");
        // Exact values keep fmt's digits.
        assert_eq!(fmt_within(1.4031, 0.0), "1.403");
    }
}
