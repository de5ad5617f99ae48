//! A request as the database keeps it: canonical JSON (no whitespace, keys
//! in the order sent, since a sweep's order of inputs is part of it) with
//! each sent file's text replaced by its SHA-256, the texts stored once
//! by hash. A thousand submissions of the same 4 MiB model hold it once.

use super::db::StoredRequest;
use gaprisk::spec::request::JobRequest;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The request in its stored form, and the texts of its files by hash.
pub fn canonical(request: &JobRequest) -> StoredRequest {
    let mut files = BTreeMap::new();
    let mut texts = Vec::new();
    for (name, text) in &request.files {
        let hash = hash_text(text);
        files.insert(name.clone(), hash.clone());
        if !texts.iter().any(|(h, _): &(String, String)| *h == hash) {
            texts.push((hash, text.clone()));
        }
    }
    StoredRequest {
        canonical: write(request, &files, &minify(request.options_text())),
        model: request.model.clone(),
        variants: request.variants.clone(),
        texts,
    }
}

/// The one layout of a request's JSON, `files` as given (texts or hashes).
fn write(request: &JobRequest, files: &BTreeMap<String, String>, options: &str) -> String {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    format!(
        "{{\"command\":{},\"model\":{},\"variants\":{},\"files\":{},\"options\":{}}}",
        quoted(&request.command),
        quoted(&request.model),
        serde_json::to_string(&request.variants).expect("strings serialise"),
        serde_json::to_string(files).expect("strings serialise"),
        options,
    )
}

/// The request JSON again, each file's hash replaced by its text (the
/// options as stored, their keys in the order sent). A hash with no text
/// (which retention never leaves) gives an empty file, which the rebuild
/// then reports as a model error; a text that is not a stored request is
/// given back as it is, for the rebuild to report.
pub fn restore(canonical: &str, texts: &HashMap<String, String>) -> String {
    let Ok(stored) = JobRequest::from_json(canonical.as_bytes()) else {
        return canonical.to_string();
    };
    let files = stored
        .files
        .iter()
        .map(|(name, hash)| (name.clone(), texts.get(hash).cloned().unwrap_or_default()))
        .collect();
    write(&stored, &files, stored.options_text())
}

fn hash_text(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// JSON without the whitespace between tokens (strings kept as written).
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_and_order() {
        assert_eq!(
            minify("{ \"set\" : {\"b\": \"1 : 2\",\n \"a\" : [1, 2] }, \"q\": \"\\\" x\" }"),
            "{\"set\":{\"b\":\"1 : 2\",\"a\":[1,2]},\"q\":\"\\\" x\"}"
        );
    }

    #[test]
    fn an_input_or_a_file_named_options_does_not_confuse_it() {
        let sent = br#"{"command": "sweep", "model": "options",
            "files": {"options": "[model]\nname = \"options\"\n"},
            "options": {"set": {"a": "0:1:2", "options": "0:1:3"}}}"#;
        let request = JobRequest::from_json(sent).unwrap();
        let stored = canonical(&request);
        let texts: HashMap<String, String> = stored.texts.iter().cloned().collect();
        let back = JobRequest::from_json(restore(&stored.canonical, &texts).as_bytes()).unwrap();
        assert_eq!(back.files, request.files);
        assert_eq!(
            back.options_text(),
            r#"{"set":{"a":"0:1:2","options":"0:1:3"}}"#
        );
    }

    #[test]
    fn a_request_survives_storage_with_its_order_and_texts() {
        let sent = br#"{"command": "sweep", "model": "m.toml",
            "files": {"m.toml": "[model]\nname = \"m\"\n", "n.toml": "[model]\nname = \"m\"\n"},
            "options": {"set": {"z": "0:1:3", "a": "0:1:2"}, "samples": 1000}}"#;
        let request = JobRequest::from_json(sent).unwrap();
        let stored = canonical(&request);
        // Two files with the same text are stored once.
        assert_eq!(stored.texts.len(), 1);
        assert!(!stored.canonical.contains("[model]"));
        let texts: HashMap<String, String> = stored.texts.iter().cloned().collect();
        let back = JobRequest::from_json(restore(&stored.canonical, &texts).as_bytes()).unwrap();
        assert_eq!(back.files, request.files);
        assert_eq!(back.command, "sweep");
        assert_eq!(
            back.options_text(),
            r#"{"set":{"z":"0:1:3","a":"0:1:2"},"samples":1000}"#
        );
        // Storing is idempotent: the canonical form of the restored request
        // is the same text.
        assert_eq!(canonical(&back).canonical, stored.canonical);
    }
}
