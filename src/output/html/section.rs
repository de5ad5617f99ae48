//! What the commands' sections share: the confidence level as text, a
//! chart with the tables of its numbers, and the facts and model every
//! analysis's manifest gives.

use super::folder::Folder;
use super::markup;

/// "95%" from the manifest's confidence, or "confidence" if it has none.
pub fn confidence_text(f: &Folder) -> String {
    match f.get(&["confidence"]).and_then(|c| c.as_f64()) {
        Some(c) if c > 0.0 && c < 1.0 => format!("{}%", markup::sig(c * 100.0, 4)),
        _ => "confidence".to_string(),
    }
}

/// A chart and the tables of its numbers.
pub fn figure(svg: &str, tables: &str) -> String {
    format!("<figure class=\"figure\">\n{svg}{tables}</figure>\n")
}

/// The facts every analysis manifest has.
pub fn common_facts(f: &Folder, items: &mut Vec<(&'static str, String)>) {
    for (k, path) in [
        ("Seed", "seed"),
        ("Samples", "samples"),
        ("Confidence", "confidence"),
        ("Created", "created"),
        ("gaprisk", "gaprisk_version"),
    ] {
        if let Some(v) = f.text(&[path]) {
            items.push((k, markup::escape(&v)));
        }
    }
}

/// The name of an analysis's (first) model.
pub fn first_model(f: &Folder) -> Option<String> {
    match f.get(&["models"])? {
        serde_json::Value::Array(models) => {
            models.first()?.get("name")?.as_str().map(str::to_string)
        }
        _ => None,
    }
}
