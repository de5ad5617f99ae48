use super::{ParamError, weights_total};

/// A finite distribution: `values` with probabilities proportional to
/// `weights`. Kept sorted by value with equal values merged, so the
/// quantile (the smallest value whose CDF reaches u) is monotone in u.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrete {
    values: Vec<f64>,
    /// P(X <= values[i]), summed from the bottom.
    cdf: Vec<f64>,
    /// P(X > values[i]), summed from the top: the upper tail keeps its
    /// relative precision where the CDF rounds to 1.
    sf: Vec<f64>,
}

impl Discrete {
    pub fn new(values: &[f64], weights: &[f64]) -> Result<Self, ParamError> {
        if values.is_empty() {
            return Err(ParamError::new("values", "must not be empty"));
        }
        if values.len() != weights.len() {
            return Err(ParamError::new(
                "weights",
                format!(
                    "must have one entry per value: {} values, {} weights",
                    values.len(),
                    weights.len()
                ),
            ));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ParamError::new(
                "values",
                format!("must be finite, got {v} (entry {})", i + 1),
            ));
        }
        let total = weights_total(weights)?;
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
        for (v, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == v => last.1 += w,
                _ => merged.push((v, w)),
            }
        }
        // Values of weight 0 can never be drawn; dropping them keeps the
        // quantile from returning one where two cumulative sums tie.
        merged.retain(|(_, w)| *w > 0.0);
        let n = merged.len();
        let mut cdf = vec![0.0; n];
        let mut acc = 0.0;
        for (c, (_, w)) in cdf.iter_mut().zip(&merged) {
            acc += w;
            *c = acc / total;
        }
        let mut sf = vec![0.0; n];
        let mut acc = 0.0;
        for i in (0..n).rev() {
            sf[i] = acc / total;
            acc += merged[i].1;
        }
        Ok(Discrete {
            values: merged.iter().map(|(v, _)| *v).collect(),
            cdf,
            sf,
        })
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let i = if u <= 0.5 {
            self.cdf.partition_point(|&c| c < u)
        } else {
            let s = 1.0 - u;
            self.sf.partition_point(|&x| x > s)
        };
        self.values[i.min(self.values.len() - 1)]
    }
}

impl Discrete {
    pub(crate) fn heap_bytes(&self) -> u64 {
        use super::heap::vec_bytes;
        vec_bytes(&self.values) + vec_bytes(&self.cdf) + vec_bytes(&self.sf)
    }
}
