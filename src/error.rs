//! Errors a user can cause, and how the process reports them.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a model file, located by file, line and key.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is the file as a whole (unreadable, say).
    pub line: usize,
    /// The dotted key, e.g. `inputs.withdrawn_share.alpha`; empty for the file.
    pub key: String,
    pub message: String,
}

impl ModelError {
    pub fn new(
        file: &Path,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ModelError {
            file: file.to_path_buf(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ModelError {}

/// Everything that can stop a job. Shells map the variants: the CLI to
/// exit codes and flag names, the server to HTTP statuses, Python to
/// exception classes.
#[derive(Debug)]
pub enum Error {
    Model(ModelError),
    /// An option's value is wrong in itself or for this model. `message`
    /// names options as `{name}` (`{relative_precision}`); `render` writes
    /// them the way a shell spells them.
    InvalidOption {
        option: &'static str,
        message: String,
    },
    /// A field of a JSON request that is not what it must be: `key` is its
    /// place in the request (`command`, `variants.1`).
    InvalidRequest {
        key: String,
        message: String,
    },
    /// An option the command does not take.
    UnknownOption {
        command: &'static str,
        name: String,
        /// The options the command takes from the shell that asked.
        known: Vec<&'static str>,
    },
    /// A model larger than the shell allows.
    TooManyNodes {
        file: String,
        nodes: usize,
        limit: usize,
    },
    /// `set` names something that is not an input of the model.
    UnknownInput {
        name: String,
        /// What `name` is instead, in words.
        detail: String,
        inputs: Vec<String>,
    },
    /// An option names no event or output of the model.
    UnknownQuantity {
        option: &'static str,
        name: String,
        /// The model's quantities, when the message lists them.
        available: Option<Vec<String>>,
    },
    /// Part files that do not belong together or do not cover the run.
    PartMismatch(String),
    /// A part file that cannot be read as one.
    CorruptPart {
        file: String,
        reason: String,
    },
    /// A file of a result folder that a report cannot use (missing,
    /// malformed): `folder` is the folder's label, `file` the file's name.
    ResultFile {
        folder: String,
        file: String,
        reason: String,
    },
    /// A rare-event estimate that cannot be made on this model or event
    /// (a margin with no slope, say).
    Rare(String),
    ThreadPool {
        threads: usize,
        reason: String,
    },
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// An option written as the library and the HTTP API name it.
fn plain(option: &str) -> String {
    option.to_string()
}

/// Replaces every `{name}` in `message` by `spell(name)`. Every user text
/// in a message is escaped by `literal`, so an unescaped `{identifier}` is
/// always an option's name.
fn render_options(message: &str, spell: &dyn Fn(&str) -> String) -> String {
    let is_name = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(escaped) = after.strip_prefix('{') {
            out.push('{');
            rest = escaped;
            continue;
        }
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                out.push_str(&spell(&after[..close]));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// User text for an `InvalidOption` message: its braces are kept as they
/// are, never read as option names.
pub fn literal(text: &str) -> String {
    text.replace('{', "{{")
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// An `InvalidOption` whose message names options as `{name}`.
    pub fn option(option: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidOption {
            option,
            message: message.into(),
        }
    }

    /// True for errors in what was asked (the model, the options, the part
    /// files given), false for failures while working.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Error::ThreadPool { .. } | Error::Io { .. })
    }

    /// The message with option names spelled by `spell` (the CLI gives
    /// `--relative-precision` for `relative_precision`).
    pub fn render(&self, spell: &dyn Fn(&str) -> String) -> String {
        match self {
            Error::InvalidOption { message, .. } => render_options(message, spell),
            Error::UnknownInput {
                name,
                detail,
                inputs,
            } => format!(
                "{} {name}: {detail} (inputs: {})",
                spell("set"),
                inputs.join(", ")
            ),
            Error::UnknownQuantity {
                option,
                name,
                available,
            } => {
                let mut m = format!(
                    "{} {name}: the model has no such event or output",
                    spell(option)
                );
                if let Some(names) = available {
                    m.push_str(&format!(" (it has: {})", names.join(", ")));
                }
                m
            }
            Error::InvalidRequest { message, .. } => message.clone(),
            Error::UnknownOption {
                command,
                name,
                known,
            } => format!(
                "{command} takes no option '{name}' (it takes: {})",
                known
                    .iter()
                    .map(|k| spell(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::TooManyNodes { file, nodes, limit } => {
                format!("{file}: {nodes} entries is more than this server's limit of {limit}")
            }
            Error::Model(e) => e.to_string(),
            Error::PartMismatch(m) => m.clone(),
            Error::Rare(m) => m.clone(),
            Error::CorruptPart { file, reason } => format!("{file}: {reason}"),
            Error::ResultFile {
                folder,
                file,
                reason,
            } => format!("{folder}: {file}: {reason}"),
            Error::ThreadPool { threads, reason } => {
                format!("cannot start {threads} threads: {reason}")
            }
            Error::Io { context, source } => format!("{context}: {source}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&plain))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Model(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ModelError> for Error {
    fn from(e: ModelError) -> Self {
        Error::Model(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_spelled_by_the_shell() {
        let e = Error::option(
            "target",
            "{target} needs {precision} or {relative_precision}",
        );
        assert_eq!(
            e.to_string(),
            "target needs precision or relative_precision"
        );
        let flag = |o: &str| format!("--{}", o.replace('_', "-"));
        assert_eq!(
            e.render(&flag),
            "--target needs --precision or --relative-precision"
        );
        // Braces that do not hold a name are left alone, and user text is
        // never read as an option name.
        let e = Error::option("set", "{set} {X-1} { x }: odd {");
        assert_eq!(e.render(&flag), "--set {X-1} { x }: odd {");
        let e = Error::option("set", format!("{{set}} {}", literal("{samples}=1")));
        assert_eq!(e.render(&flag), "--set {samples}=1");
    }
}
