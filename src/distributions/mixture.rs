use super::{Distribution, ParamError, weights_total};

/// A mixture: component i with probability proportional to `weights[i]`.
/// One uniform picks the component and its value: u is split at the
/// cumulative weights, and its position within the chosen component's
/// share, rescaled to (0, 1), goes through that component's quantile. So
/// the draw is a single inverse transform of u, as designs need (it is
/// monotone within each component's share, not across the shares).
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    components: Vec<Distribution>,
    /// Cumulative weights, normalised: the share of component i is
    /// (bounds[i - 1], bounds[i]].
    bounds: Vec<f64>,
}

impl Mixture {
    pub fn new(components: Vec<Distribution>, weights: &[f64]) -> Result<Self, ParamError> {
        if components.is_empty() {
            return Err(ParamError::new("components", "must not be empty"));
        }
        if components.len() != weights.len() {
            return Err(ParamError::new(
                "weights",
                format!(
                    "must have one entry per component: {} components, {} weights",
                    components.len(),
                    weights.len()
                ),
            ));
        }
        if components
            .iter()
            .any(|c| matches!(c, Distribution::Mixture(_)))
        {
            return Err(ParamError::new(
                "components",
                "a mixture cannot be a component of a mixture",
            ));
        }
        let total = weights_total(weights)?;
        let mut acc = 0.0;
        let mut bounds: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc / total
            })
            .collect();
        // The last share ends at 1 exactly, whatever the rounding.
        if let Some(last) = bounds.last_mut() {
            *last = 1.0;
        }
        Ok(Mixture { components, bounds })
    }

    pub fn with_tables(self) -> Self {
        Mixture {
            components: self
                .components
                .into_iter()
                .map(Distribution::with_tables)
                .collect(),
            bounds: self.bounds,
        }
    }

    /// The component whose share holds u, and u rescaled within that share.
    #[inline(always)]
    fn split(&self, u: f64) -> (&Distribution, f64) {
        let i = self
            .bounds
            .partition_point(|&b| b < u)
            .min(self.bounds.len() - 1);
        let below = if i == 0 { 0.0 } else { self.bounds[i - 1] };
        let v = (u - below) / (self.bounds[i] - below);
        // Rounding may land on 0 or 1, where many quantiles are infinite.
        (
            &self.components[i],
            v.clamp(f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0),
        )
    }

    #[inline(always)]
    pub fn quantile(&self, u: f64) -> f64 {
        let (d, v) = self.split(u);
        d.quantile(v)
    }

    pub fn quantile_exact(&self, u: f64) -> f64 {
        let (d, v) = self.split(u);
        d.quantile_exact(v)
    }
}

impl Mixture {
    pub(crate) fn heap_bytes(&self, seen: &mut super::heap::Seen) -> u64 {
        let own = super::heap::vec_bytes(&self.components) + super::heap::vec_bytes(&self.bounds);
        own + self
            .components
            .iter()
            .map(|c| c.heap_bytes(seen))
            .sum::<u64>()
    }
}
