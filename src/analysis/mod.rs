//! Analyses built on the engine: comparing variants and sweeping inputs.

pub mod compare;
pub mod sensitivity;
pub mod sweep;
