//! Where model files, and the data files a model names, come from: the
//! disk, texts held in memory, and `LayeredFiles`, the model files of a
//! job in every shell. Texts held in memory (a request's `files`, a
//! notebook's `Model.from_text`) are looked up first; below them lies the
//! disk (the CLI and the Python package) or a model library that nothing
//! may leave (the service), or nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where model files come from. The CLI reads the disk; a server reads a
/// request's files and its model library, and nothing else.
pub trait ModelFiles {
    /// The text of the model file `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, String>;

    /// The file that `extends = "reference"` in `from` names, and its
    /// identity: equal for two paths to one file, to find cycles.
    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String>;

    /// The identity of a file that was read (see `resolve`).
    fn identity(&self, path: &Path) -> PathBuf;

    /// The file a request names (`model`, a variant): the path as given,
    /// unless these files resolve names another way.
    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        Ok(PathBuf::from(name))
    }
}

/// Model files on disk; `extends` is relative to the extending file.
pub struct DiskFiles;

impl ModelFiles for DiskFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read model file: {e}"))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = from.parent().unwrap_or(Path::new("")).join(reference);
        let identity = std::fs::canonicalize(&path)
            .map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
        Ok((path, identity))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Model files held in memory by name (`baseline.toml`, `variants/a.toml`):
/// a request's files. `extends` resolves among them only; a reference that
/// climbs out of them (`../x.toml`) or is absolute is refused.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; its name is normalised as `extends` references are.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) -> Result<PathBuf, String> {
        let path = normalise(Path::new(""), name)?;
        self.files.insert(path.clone(), text.into());
        Ok(path)
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}

/// `reference` relative to the folder `base`, with `.` and `..` resolved
/// lexically; absolute paths and paths that climb above the top are refused.
pub fn normalise(base: &Path, reference: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for c in base.components().chain(Path::new(reference).components()) {
        match c {
            Component::Normal(p) => parts.push(p.to_os_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("'{reference}' is outside the model files"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("'{reference}' is an absolute path"));
            }
        }
    }
    if parts.is_empty() {
        return Err(format!("'{reference}' names no file"));
    }
    Ok(parts.iter().collect())
}

impl ModelFiles for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no model file '{}'", path.display()))
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        let path = normalise(from.parent().unwrap_or(Path::new("")), reference)?;
        if !self.files.contains_key(&path) {
            return Err(format!("no model file '{}'", path.display()));
        }
        Ok((path.clone(), path))
    }

    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }

    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        normalise(Path::new(""), name)
    }
}

/// What lies below the files held in memory.
#[derive(Debug, Clone)]
enum Below {
    /// Paths as given; `extends` relative to the extending file.
    Disk,
    /// Names relative to the library's folder, resolved lexically; a file
    /// must resolve, symlinks followed, inside it.
    Library(PathBuf),
    Nothing,
}

#[derive(Debug, Clone)]
pub struct LayeredFiles {
    memory: MemoryFiles,
    below: Below,
}

impl LayeredFiles {
    /// The disk alone: the command line.
    pub fn disk() -> LayeredFiles {
        LayeredFiles {
            memory: MemoryFiles::new(),
            below: Below::Disk,
        }
    }

    /// The model library under `root` alone: nothing outside it is read.
    pub fn library(root: &Path) -> LayeredFiles {
        LayeredFiles {
            memory: MemoryFiles::new(),
            below: Below::Library(root.to_path_buf()),
        }
    }

    /// Files held in memory alone.
    pub fn memory() -> LayeredFiles {
        LayeredFiles {
            memory: MemoryFiles::new(),
            below: Below::Nothing,
        }
    }

    /// These files with `texts` (name -> TOML text) held in memory above
    /// them. An error names the file as a request does (`files.NAME`).
    pub fn with_texts(
        mut self,
        texts: &BTreeMap<String, String>,
    ) -> Result<LayeredFiles, crate::error::Error> {
        for (name, text) in texts {
            self.memory.insert(name, text.as_str()).map_err(|message| {
                crate::error::Error::InvalidRequest {
                    key: format!("files.{name}"),
                    message,
                }
            })?;
        }
        Ok(self)
    }

    fn in_memory(&self, path: &Path) -> bool {
        self.memory.contains(path)
    }

    /// The file of the library that `name` (already normalised) names.
    fn library_file(root: &Path, name: &Path) -> Result<PathBuf, String> {
        let top = std::fs::canonicalize(root)
            .map_err(|e| format!("the model library is not readable: {e}"))?;
        let path = std::fs::canonicalize(top.join(name))
            .map_err(|_| format!("no model file '{}'", name.display()))?;
        if !path.starts_with(&top) || !path.is_file() {
            return Err(format!("'{}' is outside the model library", name.display()));
        }
        Ok(path)
    }
}

impl ModelFiles for LayeredFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        if self.in_memory(path) {
            return self.memory.read(path);
        }
        match &self.below {
            Below::Disk => DiskFiles.read(path),
            Below::Library(root) => {
                let file = Self::library_file(root, path)?;
                std::fs::read_to_string(file).map_err(|e| format!("cannot read model file: {e}"))
            }
            Below::Nothing => self.memory.read(path),
        }
    }

    fn resolve(&self, from: &Path, reference: &str) -> Result<(PathBuf, PathBuf), String> {
        match &self.below {
            // A file on disk extends files on disk; a text in memory extends
            // texts in memory.
            Below::Disk if !self.in_memory(from) => DiskFiles.resolve(from, reference),
            Below::Disk | Below::Nothing => {
                let (path, _) = self.memory.resolve(from, reference)?;
                Ok((path.clone(), self.identity(&path)))
            }
            Below::Library(root) => {
                let path = normalise(from.parent().unwrap_or(Path::new("")), reference)?;
                if !self.in_memory(&path) {
                    Self::library_file(root, &path)?;
                }
                Ok((path.clone(), self.identity(&path)))
            }
        }
    }

    fn identity(&self, path: &Path) -> PathBuf {
        if self.in_memory(path) {
            // Never equal to a file's identity on disk or in the library.
            return Path::new("memory:").join(path);
        }
        match &self.below {
            Below::Disk => DiskFiles.identity(path),
            Below::Library(_) | Below::Nothing => path.to_path_buf(),
        }
    }

    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        if let Ok(key) = normalise(Path::new(""), name)
            && self.in_memory(&key)
        {
            return Ok(key);
        }
        match &self.below {
            Below::Disk => Ok(PathBuf::from(name)),
            Below::Library(_) => normalise(Path::new(""), name),
            Below::Nothing => {
                let key = normalise(Path::new(""), name)?;
                Err(format!("no model file '{}'", key.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn memory_comes_first_and_names_one_file_once() {
        let files = LayeredFiles::memory()
            .with_texts(&texts(&[("a.toml", "A"), ("sub/b.toml", "B")]))
            .unwrap();
        assert_eq!(files.locate("./a.toml").unwrap(), Path::new("a.toml"));
        assert_eq!(files.read(Path::new("sub/b.toml")).unwrap(), "B");
        let (path, identity) = files.resolve(Path::new("sub/b.toml"), "../a.toml").unwrap();
        assert_eq!(path, Path::new("a.toml"));
        assert_eq!(identity, files.identity(Path::new("a.toml")));
        assert!(files.locate("missing.toml").is_err());
        assert!(files.resolve(Path::new("a.toml"), "../../x.toml").is_err());
    }

    #[test]
    fn a_library_is_never_left() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library");
        std::fs::create_dir(&library).unwrap();
        std::fs::write(library.join("base.toml"), "BASE").unwrap();
        std::fs::write(dir.path().join("secret.toml"), "SECRET").unwrap();
        let files = LayeredFiles::library(&library)
            .with_texts(&texts(&[("child.toml", "CHILD")]))
            .unwrap();
        assert_eq!(files.read(Path::new("base.toml")).unwrap(), "BASE");
        let (path, _) = files.resolve(Path::new("child.toml"), "base.toml").unwrap();
        assert_eq!(path, Path::new("base.toml"));
        assert!(files.locate("../secret.toml").is_err());
        assert!(files.locate("/etc/passwd").is_err());
        assert!(files.read(Path::new("../secret.toml")).is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.toml"), library.join("link.toml"))
                .unwrap();
            let e = files.read(Path::new("link.toml")).unwrap_err();
            assert!(e.contains("outside the model library"), "{e}");
        }
    }

    #[test]
    fn texts_in_memory_extend_texts_in_memory_above_the_disk() {
        let files = LayeredFiles::disk()
            .with_texts(&texts(&[("mine.toml", "MINE")]))
            .unwrap();
        assert!(
            files
                .resolve(Path::new("mine.toml"), "models/baseline.toml")
                .is_err()
        );
        assert_ne!(
            files.identity(Path::new("mine.toml")),
            DiskFiles.identity(Path::new("mine.toml"))
        );
        assert_eq!(
            files.locate("models/x.toml").unwrap(),
            Path::new("models/x.toml")
        );
    }
}
