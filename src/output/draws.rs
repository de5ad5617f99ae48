//! `draws.csv`: one row per sample, streamed to a temporary file while the
//! run goes on and moved into place only when it completes.

use super::atomic;
use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

pub const FILE_NAME: &str = "draws.csv";

pub struct DrawsFile {
    target: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl DrawsFile {
    pub fn create(dir: &Path, columns: &[String]) -> Result<Self> {
        let target = dir.join(FILE_NAME);
        let file = atomic::create(&target)?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        writeln!(writer, "{}", columns.join(","))
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
        Ok(DrawsFile { target, writer })
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }

    pub fn commit(self) -> Result<()> {
        let target = self.target;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e.into_error()))?;
        atomic::commit(file, &target)
    }
}
