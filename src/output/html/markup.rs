//! HTML pieces: escaping, HTML tables of CSV strings, lists of facts and
//! notes, and numbers written for people.

use super::folder::Csv;
use crate::error::Result;
use std::fmt::Write;

/// `s` safe as HTML text and as a quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// True for a field that reads as a number (right-aligned in tables).
fn numeric(s: &str) -> bool {
    !s.is_empty() && s.parse::<f64>().is_ok()
}

/// A table of `rows` under `header`, every cell escaped and shown as
/// given. `file` names the CSV file the cells come from, if they do.
pub fn html_table(
    caption: &str,
    file: Option<&str>,
    header: &[&str],
    rows: &[Vec<String>],
) -> String {
    let mut h = String::from("<div class=\"table-wrap\"><table class=\"data\"");
    if let Some(f) = file {
        let _ = write!(h, " data-file=\"{}\"", escape(f));
    }
    h.push('>');
    if !caption.is_empty() {
        let _ = write!(h, "<caption>{}</caption>", escape(caption));
    }
    h.push_str("<thead><tr>");
    for c in header {
        let _ = write!(h, "<th scope=\"col\">{}</th>", escape(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        h.push_str("<tr>");
        for cell in row {
            if numeric(cell) {
                let _ = write!(h, "<td class=\"num\">{}</td>", escape(cell));
            } else {
                let _ = write!(h, "<td>{}</td>", escape(cell));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// A table of the columns `cols` of `csv`'s rows `rows`, headed by the
/// CSV's own column names, every cell the exact string of the file.
pub fn csv_html_table(caption: &str, csv: &Csv, cols: &[&str], rows: &[usize]) -> Result<String> {
    let idx: Vec<usize> = cols.iter().map(|c| csv.col(c)).collect::<Result<_>>()?;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|&r| idx.iter().map(|&c| csv.str(r, c).to_string()).collect())
        .collect();
    Ok(html_table(caption, Some(&csv.file), cols, &cells))
}

/// The same, folded away under `summary` (long tables: bins, every row).
pub fn details(summary: &str, body: &str) -> String {
    format!(
        "<details><summary>{}</summary>\n{body}</details>\n",
        escape(summary)
    )
}

/// A list of facts: (name, value) pairs, values already escaped HTML.
pub fn facts(items: &[(&str, String)]) -> String {
    let mut h = String::from("<dl class=\"meta\">\n");
    for (k, v) in items {
        let _ = writeln!(h, "<div><dt>{}</dt><dd>{v}</dd></div>", escape(k));
    }
    h.push_str("</dl>\n");
    h
}

/// Notes from the files (escaped), as a list.
pub fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut h = String::from("<ul class=\"notes\">\n");
    for n in notes {
        let _ = writeln!(h, "<li>{}</li>", escape(n));
    }
    h.push_str("</ul>\n");
    h
}

/// A long hash shown by its first 16 characters, the whole in a tooltip.
pub fn short_hash(hash: &str) -> String {
    if hash.chars().count() <= 16 {
        return escape(hash);
    }
    let head: String = hash.chars().take(16).collect();
    format!(
        "<span class=\"hash\" title=\"{}\">{}…</span>",
        escape(hash),
        escape(&head)
    )
}

/// A remark of the report's own (escaped), such as a chart not available.
pub fn remark(text: &str) -> String {
    format!("<p class=\"remark\">{}</p>\n", escape(text))
}

/// `x` with `digits` significant digits, trailing zeros dropped; very
/// large and very small magnitudes in exponent form (`2.5e-5`).
pub fn sig(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let digits = digits.max(1);
    let mag = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&mag) {
        let s = format!("{:.*e}", digits - 1, x);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{e}", trim_zeros(m));
    }
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    trim_zeros(&format!("{x:.decimals$}"))
}

/// `s` without trailing zeros after a decimal point (nor the point).
pub fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(sig(0.0025300001, 3), "0.00253");
        assert_eq!(sig(311.5949, 4), "311.6");
        assert_eq!(sig(14748.717, 4), "14749");
        assert_eq!(sig(244332.7, 3), "244333");
        assert_eq!(sig(2443327.0, 3), "2.44e6");
        assert_eq!(sig(0.00001234, 3), "1.23e-5");
        assert_eq!(sig(-0.5, 3), "-0.5");
        assert_eq!(sig(1.0, 3), "1");
        assert_eq!(sig(f64::NAN, 3), "NaN");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
