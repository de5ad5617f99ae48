//! `extends`: a file applied over its parent, resolved up the chain.

use super::parse::{ParsedFile, parse_file};
use crate::error::ModelError;
use crate::model::files::ModelFiles;
use crate::model::spec::{ModelInfo, ModelSpec, Section};
use std::path::{Path, PathBuf};

/// How many files a model may extend, one through another: its parent
/// and up to 63 more ancestors. Files are read up the chain in a loop (no
/// recursion per file), so the limit is not the stack's: it keeps a
/// runaway chain short and its error plain.
pub const MAX_EXTENDS: usize = 64;

/// Loads `path` and every file it extends, up the chain, then applies
/// them from the top ancestor down.
pub(super) fn load_chain(files: &dyn ModelFiles, path: &Path) -> Result<ModelSpec, ModelError> {
    // Child first; each file's identity, to find cycles.
    let mut chain: Vec<(PathBuf, ParsedFile)> = Vec::new();
    let mut identities: Vec<PathBuf> = Vec::new();
    let mut current = path.to_path_buf();
    let root = loop {
        let text = files
            .read(&current)
            .map_err(|e| ModelError::new(&current, 0, "", e))?;
        let file = parse_file(&current, &text, Some(files))?;
        let Some((parent_ref, line)) = file.extends.clone() else {
            break file;
        };
        let (parent_path, identity) = files
            .resolve(&current, &parent_ref)
            .map_err(|e| ModelError::new(&current, line, "model.extends", e))?;
        identities.push(files.identity(&current));
        if identities.contains(&identity) {
            return Err(ModelError::new(
                &current,
                line,
                "model.extends",
                format!("'{}' extends itself through a cycle", parent_path.display()),
            ));
        }
        if identities.len() > MAX_EXTENDS {
            return Err(ModelError::new(
                &current,
                line,
                "model.extends",
                format!(
                    "'{}' extends a chain of more than {MAX_EXTENDS} files, the limit: merge \
                     some of them",
                    path.display()
                ),
            ));
        }
        chain.push((current, file));
        current = parent_path;
    };
    let mut spec = ModelSpec {
        file: current,
        info: root.info,
        entries: root.entries,
        correlations: root.correlations,
        added_inputs: Vec::new(),
    };
    while let Some((child_path, child)) = chain.pop() {
        spec = merge(spec, child, &child_path)?;
    }
    Ok(spec)
}

/// Applies a child file over its resolved parent.
fn merge(
    mut parent: ModelSpec,
    child: ParsedFile,
    child_path: &Path,
) -> Result<ModelSpec, ModelError> {
    for entry in child.entries {
        let same = parent
            .entries
            .iter()
            .position(|p| p.name == entry.name && p.section == entry.section);
        match (same, entry.section) {
            (Some(i), _) => parent.entries[i] = entry,
            (None, Section::Inputs) => {
                // A new input (language 1.1). A name the parent gives a
                // derived node, event or output is an error, not a new input.
                if let Some(p) = parent.entries.iter().find(|p| p.name == entry.name) {
                    return Err(ModelError::new(
                        child_path,
                        entry.origin.line,
                        entry.key(),
                        format!(
                            "overrides '{}', which the parent model defines in [{}], not [inputs]",
                            entry.name,
                            p.section.key()
                        ),
                    ));
                }
                parent.added_inputs.push(entry.name.clone());
                parent.entries.push(entry);
            }
            (None, _) => parent.entries.push(entry),
        }
    }
    // A child's correlation replaces the parent's for the same pair.
    for c in child.correlations {
        match parent.correlations.iter().position(|p| p.same_pair(&c)) {
            Some(i) => parent.correlations[i] = c,
            None => parent.correlations.push(c),
        }
    }
    let info = ModelInfo {
        name: child.info.name,
        title: child.info.title.or(parent.info.title),
        description: child.info.description.or(parent.info.description),
        horizon: child.info.horizon.or(parent.info.horizon),
        steps_origin: if child.info.steps.is_some() {
            child.info.steps_origin
        } else {
            parent.info.steps_origin
        },
        steps: child.info.steps.or(parent.info.steps),
        step_unit: child.info.step_unit.or(parent.info.step_unit),
    };
    Ok(ModelSpec {
        file: child_path.to_path_buf(),
        info,
        entries: parent.entries,
        correlations: parent.correlations,
        added_inputs: parent.added_inputs,
    })
}
