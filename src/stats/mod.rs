//! Estimators: streaming moments, a quantile sketch, confidence intervals.
//! Every accumulator merges deterministically, so results do not depend on
//! how samples were split among threads.

pub mod fine;
pub mod interval;
pub mod moments;
pub mod paired;
pub mod quantiles;
pub mod sketch;
