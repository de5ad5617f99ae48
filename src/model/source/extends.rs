//! `extends`: a file applied over its parent, resolved up the chain.

use super::parse::{ParsedFile, parse_file};
use crate::error::ModelError;
use crate::model::files::ModelFiles;
use crate::model::spec::{ModelInfo, ModelSpec, Section};
use std::path::{Path, PathBuf};

pub(super) fn load_chain(
    files: &dyn ModelFiles,
    path: &Path,
    chain: &mut Vec<PathBuf>,
) -> Result<ModelSpec, ModelError> {
    let text = files
        .read(path)
        .map_err(|e| ModelError::new(path, 0, "", e))?;
    let file = parse_file(path, &text, Some(files))?;
    let Some((parent_ref, line)) = file.extends.clone() else {
        return Ok(ModelSpec {
            file: path.to_path_buf(),
            info: file.info,
            entries: file.entries,
            correlations: file.correlations,
            added_inputs: Vec::new(),
        });
    };
    let (parent_path, identity) = files
        .resolve(path, &parent_ref)
        .map_err(|e| ModelError::new(path, line, "model.extends", e))?;
    chain.push(files.identity(path));
    if chain.contains(&identity) {
        return Err(ModelError::new(
            path,
            line,
            "model.extends",
            format!("'{}' extends itself through a cycle", parent_path.display()),
        ));
    }
    let parent = load_chain(files, &parent_path, chain)?;
    chain.pop();
    merge(parent, file, path)
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
    };
    Ok(ModelSpec {
        file: child_path.to_path_buf(),
        info,
        entries: parent.entries,
        correlations: parent.correlations,
        added_inputs: parent.added_inputs,
    })
}
