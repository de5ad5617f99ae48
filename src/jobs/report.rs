//! `report`: report.html rebuilt from result folders already written, or
//! one report over several of them.

use super::OutputFile;
use crate::error::{Error, Result, literal};
use crate::output::format::manifest;
use crate::output::report::{self, ResultFiles};

/// `report`'s options.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct ReportSpec {
    /// Result folders written by run, compare, sweep, sensitivity or merge.
    #[cfg_attr(feature = "cli", arg(required = true))]
    pub folders: Vec<std::path::PathBuf>,
    /// The report file [default: DIR/report.html for one folder; needed
    /// for several].
    #[cfg_attr(feature = "cli", arg(long, short = 'o', value_name = "FILE"))]
    pub out: Option<std::path::PathBuf>,
    /// Print nothing but errors.
    #[cfg_attr(feature = "cli", arg(long, short = 'q'))]
    pub quiet: bool,
}

/// Result folders, checked to hold a manifest.
pub struct ReportJob {
    folders: Vec<ResultFiles>,
}

impl ReportJob {
    /// `folders`: each folder's name (as the report heads it when there are
    /// several) and the files of `INPUT_FILES` it holds.
    pub fn new(folders: Vec<(String, Vec<OutputFile>)>) -> Result<ReportJob> {
        if folders.is_empty() {
            return Err(Error::option("folders", "give at least one result folder"));
        }
        for (label, files) in &folders {
            if !files.iter().any(|f| f.name == manifest::FILE_NAME) {
                return Err(Error::option(
                    "folders",
                    format!(
                        "{}: no {} here, so not a gaprisk result folder",
                        literal(label),
                        manifest::FILE_NAME
                    ),
                ));
            }
        }
        Ok(ReportJob {
            folders: folders
                .into_iter()
                .map(|(label, files)| ResultFiles { label, files })
                .collect(),
        })
    }

    /// The bytes of report.html. A report of one folder is the one its
    /// command wrote, byte for byte (it names no folder).
    pub fn execute(&self) -> Result<OutputFile> {
        let bytes = match self.folders.as_slice() {
            [one] => report::render(&[ResultFiles {
                label: String::new(),
                files: one.files.clone(),
            }])?,
            several => report::render(several)?,
        };
        Ok(OutputFile {
            name: report::FILE_NAME.to_string(),
            bytes,
        })
    }
}
