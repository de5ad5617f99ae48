//! Analyses built on the engine: comparing variants, sweeping inputs,
//! sensitivity, and rare events.

pub mod compare;
pub mod filter;
pub mod rare;
pub mod sensitivity;
pub mod sweep;

pub use rare::Limit;
