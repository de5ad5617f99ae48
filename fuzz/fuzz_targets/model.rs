//! Fuzz target: arbitrary text as a model file, through parsing, validation,
//! compilation and the evaluation of one small block. Nothing may panic.
#![no_main]

use gaprisk::engine::design::{Design, chunk_streams};
use gaprisk::engine::eval::Workspace;
use gaprisk::model::{compile::compile, source, validate};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(spec) = source::load_text(Path::new("fuzz.toml"), text) else { return };
    let Ok(model) = validate::validate(spec) else { return };
    let Ok(program) = compile(&model) else { return };
    let mut streams = chunk_streams(&program, Design::Mc, &vec![1; program.streams.len()], 0, 64);
    let mut ws = Workspace::new(&program);
    ws.run(&program, &mut streams, 64);
});
