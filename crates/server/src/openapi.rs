//! The service's OpenAPI document: the paths, responses and the schemas of
//! what the service returns, written by hand in `openapi-paths.json`, and
//! the schemas of the job requests, generated from the commands' specs
//! (`jobs::spec::schema`), so the document cannot disagree with what the
//! service accepts.

use serde_json::Value;

const PATHS: &str = include_str!("openapi-paths.json");

/// The whole document, as `GET /v1/openapi.json` serves it; a server
/// without a token asks for none (no `security`).
pub fn document(with_token: bool) -> String {
    let mut doc: Value = serde_json::from_str(PATHS).expect("openapi-paths.json is JSON");
    if !with_token && let Some(top) = doc.as_object_mut() {
        top.remove("security");
    }
    doc["info"]["version"] = Value::String(env!("CARGO_PKG_VERSION").to_string());
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(gaprisk::spec::schema::request_components());
    }
    let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    text.push('\n');
    text
}
