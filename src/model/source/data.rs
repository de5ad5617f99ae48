//! Data files a model names (an `empirical` column's `file`).

use super::reading::Lines;
use crate::error::ModelError;
use crate::model::files::normalise;
use std::path::Path;

/// Reads a data file named in a model, relative to the model file, through
/// the same `ModelFiles` as `extends`: on disk for the CLI; in a server,
/// the request's files or its library, never elsewhere. Absolute paths and
/// paths that climb above the model's folder are refused everywhere.
pub(super) fn read_data(
    lines: &Lines,
    at: usize,
    key: &str,
    reference: &str,
) -> Result<String, ModelError> {
    if let Err(e) = normalise(Path::new(""), reference) {
        return lines.error(
            at,
            key,
            format!("{e}: a data file must be beside the model file or below it"),
        );
    }
    let Some(files) = lines.files else {
        return lines.error(
            at,
            key,
            format!("'{reference}': reading a data file needs a model file, not text"),
        );
    };
    // `ModelFiles` words its errors for model files; this one is data.
    let fail = |e: String| {
        let e = e.replace("model file", "file");
        ModelError::new(
            lines.path,
            lines.line(at),
            key,
            format!("cannot read data file '{reference}': {e}"),
        )
    };
    let (path, _) = files.resolve(lines.path, reference).map_err(fail)?;
    files.read(&path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use crate::model::files::MemoryFiles;
    use crate::model::source::{load_from, load_text};
    use std::path::{Path, PathBuf};

    const MODEL: &str = "[model]\nname = \"m\"\n[inputs]\nx = { dist = \"empirical\", file = \"FILE\", column = \"x\" }\n[outputs]\nx = \"x\"\n";

    fn files_with(model_name: &str, file: &str) -> (MemoryFiles, PathBuf) {
        let mut files = MemoryFiles::new();
        files.insert("data/d.csv", "x\n1\n2\n").unwrap();
        let path = files
            .insert(model_name, MODEL.replace("FILE", file))
            .unwrap();
        (files, path)
    }

    #[test]
    fn a_request_reads_data_from_its_own_files_only() {
        // Relative to the model file, among the request's files.
        let (files, path) = files_with("m.toml", "data/d.csv");
        let spec = load_from(&files, &path).unwrap();
        assert!(spec.canonical().contains("empirical(file = \"data/d.csv\""));
        let (files, path) = files_with("data/m.toml", "d.csv");
        assert!(load_from(&files, &path).is_ok());
        // Never the disk, whatever exists there; never above the top.
        for (model, file, expect) in [
            (
                "m.toml",
                "Cargo.toml",
                "cannot read data file 'Cargo.toml': no file 'Cargo.toml'",
            ),
            (
                "m.toml",
                "../d.csv",
                "'../d.csv' is outside the model files",
            ),
            (
                "data/m.toml",
                "../../etc/passwd",
                "is outside the model files",
            ),
            ("m.toml", "/etc/passwd", "'/etc/passwd' is an absolute path"),
        ] {
            let (files, path) = files_with(model, file);
            let err = load_from(&files, &path).unwrap_err().to_string();
            assert!(
                err.contains("inputs.x.file") && err.contains(expect),
                "{file}: {err}"
            );
        }
    }

    #[test]
    fn model_text_without_a_file_cannot_read_data() {
        let err = load_text(Path::new("m.toml"), &MODEL.replace("FILE", "d.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a model file, not text"), "{err}");
    }
}
