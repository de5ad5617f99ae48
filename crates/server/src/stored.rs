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
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let canonical = format!(
        "{{\"command\":{},\"model\":{},\"variants\":{},\"files\":{},\"options\":{}}}",
        quoted(&request.command),
        quoted(&request.model),
        serde_json::to_string(&request.variants).expect("strings serialise"),
        serde_json::to_string(&files).expect("strings serialise"),
        minify(request.options_text()),
    );
    StoredRequest {
        canonical,
        model: request.model.clone(),
        variants: request.variants.clone(),
        texts,
    }
}

/// The request JSON again, each file's hash replaced by its text. A hash
/// with no text (which retention never leaves) gives an empty file, which
/// the rebuild then reports as a model error.
pub fn restore(canonical: &str, texts: &HashMap<String, String>) -> String {
    let Ok(mut request) =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(canonical)
    else {
        return canonical.to_string();
    };
    if let Some(serde_json::Value::Object(files)) = request.get_mut("files") {
        for value in files.values_mut() {
            let hash = value.as_str().unwrap_or_default();
            *value = serde_json::Value::String(texts.get(hash).cloned().unwrap_or_default());
        }
    }
    // The options go back as written: serde_json's map would sort their keys.
    let options = request.remove("options");
    let mut json = serde_json::to_string(&request).expect("a map serialises");
    let options_text = canonical_options(canonical)
        .unwrap_or_else(|| options.map_or_else(|| "{}".to_string(), |o| o.to_string()));
    json.pop();
    json.push_str(&format!(",\"options\":{options_text}}}"));
    json
}

/// The options' text in a canonical request (always its last member).
fn canonical_options(canonical: &str) -> Option<String> {
    let at = canonical.rfind(",\"options\":")?;
    let rest = &canonical[at + ",\"options\":".len()..];
    Some(rest.strip_suffix('}')?.to_string())
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
