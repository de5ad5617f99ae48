// TEMPORARY STUB (not committed): replaced by the renderer branch.
use super::OutputFile;
use crate::error::Result;
pub const FILE_NAME: &str = "report.html";
pub struct ResultFiles {
    pub label: String,
    pub files: Vec<OutputFile>,
}
pub fn render(folders: &[ResultFiles]) -> Result<Vec<u8>> {
    Ok(format!("<html>{}</html>", folders.len()).into_bytes())
}

pub fn live_convergence_chart(quantity: &str, points: &[[f64; 4]]) -> String {
    format!("<svg>{quantity} {}</svg>", points.len())
}
