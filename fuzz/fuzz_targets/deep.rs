//! Fuzz target: generated deep models (gaprisk::model::deep_cases), the
//! fuzzer's bytes choosing the seed and so the shape: long operator
//! chains, nesting, derived-node chains, nested TOML, `extends` chains.
//! Each must load, compile and run, or stop with a located model error;
//! a stack overflow aborts the process, which the fuzzer reports.
#![no_main]

use gaprisk::model::deep_cases::{case, exercise, is_located};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut seed = [0u8; 8];
    let n = data.len().min(8);
    seed[..n].copy_from_slice(&data[..n]);
    let case = case(u64::from_le_bytes(seed));
    if let Err(e) = exercise(&case) {
        assert!(is_located(&e), "{}: unlocated error {e}", case.shape);
    }
});
