//! The page around the sections: its head and style sheet (screen and
//! print), the list of folders when there are several, and the footer.

use super::markup;
use std::fmt::Write;

const FONTS: &str = "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", \
                     \"Noto Sans\", \"Liberation Sans\", Arial, sans-serif";

fn style() -> String {
    format!(
        r#":root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
html {{ background: #fff; }}
body {{ margin: 0; background: #fff; color: #1f2328; font: 15px/1.5 {FONTS}; }}
main {{ max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }}
h1 {{ font-size: 1.6rem; margin: 0 0 6px; }}
h2 {{ font-size: 1.3rem; margin: 36px 0 2px; padding-top: 14px; border-top: 2px solid #d0d7de; overflow-wrap: anywhere; }}
h3 {{ font-size: 1.05rem; margin: 26px 0 8px; }}
.lead, .subtitle {{ color: #454c54; margin: 0 0 12px; }}
.banner.partial {{ background: #fff8c5; border: 2px solid #9a6700; color: #4d2d00; padding: 10px 14px; font-weight: 600; border-radius: 4px; }}
dl.meta {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px 22px; margin: 12px 0 8px; }}
dl.meta div {{ min-width: 0; }}
dl.meta dt {{ font-size: .74rem; color: #59636e; text-transform: uppercase; letter-spacing: .04em; }}
dl.meta dd {{ margin: 0; overflow-wrap: anywhere; }}
ul.notes {{ background: #f6f8fa; border-left: 4px solid #8c959f; margin: 0; padding: 8px 14px 8px 34px; }}
p.remark {{ color: #59636e; font-style: italic; }}
nav.toc ol {{ margin: 6px 0 0; padding-left: 24px; }}
nav.toc a {{ color: #0550ae; }}
figure.figure {{ margin: 14px 0 30px; }}
svg.chart {{ display: block; width: 100%; max-width: 860px; height: auto; margin: 0 0 8px; }}
svg.chart text {{ font-family: {FONTS}; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }}
.table-wrap {{ overflow-x: auto; max-width: 100%; }}
table.data {{ border-collapse: collapse; font-size: .8rem; margin: 4px 0 10px; }}
table.data caption {{ text-align: left; font-weight: 600; padding: 2px 0 4px; }}
table.data th, table.data td {{ border-bottom: 1px solid #d8dee4; padding: 3px 9px; text-align: left; white-space: nowrap; }}
table.data thead th {{ border-bottom: 2px solid #8c959f; background: #f6f8fa; font-weight: 600; }}
table.data td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
details {{ margin: 4px 0 10px; }}
details > summary {{ cursor: pointer; color: #0550ae; }}
footer {{ margin-top: 48px; padding-top: 10px; border-top: 1px solid #d0d7de; color: #59636e; font-size: .8rem; }}
@media print {{
  @page {{ margin: 14mm; }}
  html, body {{ background: #fff !important; color: #000; font-size: 10pt; }}
  main {{ max-width: none; padding: 0; }}
  h2, h3 {{ break-after: avoid; page-break-after: avoid; }}
  section.result + section.result {{ break-before: page; page-break-before: always; }}
  svg.chart {{ break-inside: avoid; page-break-inside: avoid; max-width: 100%; }}
  figure.figure {{ break-inside: avoid-page; }}
  .table-wrap {{ overflow: visible; }}
  table.data {{ font-size: 7.5pt; }}
  table.data th, table.data td {{ white-space: normal; overflow-wrap: anywhere; padding: 2px 5px; }}
  table.data thead th, ul.notes {{ background: #fff; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; page-break-inside: avoid; }}
  .banner.partial {{ background: #fff; color: #000; border: 2px solid #000; }}
  nav.toc a, details > summary {{ color: #000; text-decoration: none; }}
}}
"#
    )
}

/// A folder's part of the page.
pub struct Section {
    pub label: String,
    pub id: String,
    pub command: &'static str,
    pub body: String,
}

/// The whole page.
pub fn page(sections: &[Section]) -> String {
    let labels: Vec<&str> = sections.iter().map(|s| s.label.as_str()).collect();
    let title = match labels.len() {
        0 => "gaprisk report".to_string(),
        1 => format!("gaprisk report: {}", labels[0]),
        n => format!("gaprisk report: {} result folders", n),
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        h,
        "<meta name=\"generator\" content=\"gaprisk {}\">",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(h, "<title>{}</title>", markup::escape(&title));
    let _ = write!(h, "<style>\n{}</style>\n</head>\n<body>\n<main>\n", style());
    h.push_str("<header>\n<h1>gaprisk report</h1>\n");
    match sections.len() {
        0 => h.push_str(&markup::remark("No result folders.")),
        1 => {}
        _ => {
            h.push_str("<nav class=\"toc\">Result folders, in the order given:\n<ol>\n");
            for s in sections {
                let _ = writeln!(
                    h,
                    "<li><a href=\"#{}\">{}</a></li>",
                    markup::escape(&s.id),
                    markup::escape(&s.label)
                );
            }
            h.push_str("</ol>\n</nav>\n");
        }
    }
    h.push_str("</header>\n");
    for s in sections {
        let _ = write!(
            h,
            "<section class=\"result result-{}\" id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
            s.command,
            markup::escape(&s.id),
            markup::escape(&s.label),
            s.body
        );
    }
    let _ = write!(
        h,
        "<footer>Written by gaprisk {} from the files of each result folder. Tables show \
         the values exactly as the CSV files have them; charts round them.</footer>\n\
         </main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    h
}
