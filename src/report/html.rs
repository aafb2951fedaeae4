//! HTML building blocks: escaping, tables, figures and the page shell with its inline CSS.
//!
//! Takes text, [`Table`]s and rendered SVG; gives one self-contained document: no scripts,
//! no external style sheets, fonts or images, so it opens the same way offline in any
//! browser and survives being mailed around.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How a table cell is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Plain,
    /// Right-aligned, tabular figures.
    Number,
    Pass,
    Fail,
    Muted,
}

/// A table of plain-text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<(String, Mark)>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<(String, Mark)>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn to_html(&self) -> String {
        let mut out = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (text, mark) in row {
                let class = match mark {
                    Mark::Plain => "",
                    Mark::Number => " class=\"num\"",
                    Mark::Pass => " class=\"pass\"",
                    Mark::Fail => " class=\"fail\"",
                    Mark::Muted => " class=\"muted\"",
                };
                let _ = write!(out, "<td{class}>{}</td>", breakable(&escape(text)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
        out
    }
}

/// Long identifiers (mg_disc_prepassivated) may break after an underscore, so a table of
/// long names wraps inside the page instead of overflowing it; short ones (mg_ps) stay whole.
fn breakable(escaped: &str) -> String {
    escaped
        .split(' ')
        .map(|word| {
            if word.chars().count() > 12 {
                word.replace('_', "_<wbr>")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cell of plain text.
pub fn text(s: impl Into<String>) -> (String, Mark) {
    (s.into(), Mark::Plain)
}

/// A right-aligned numeric cell.
pub fn num(s: impl Into<String>) -> (String, Mark) {
    (s.into(), Mark::Number)
}

/// Key–value pairs as a two-column table.
pub fn facts(pairs: &[(String, String)]) -> String {
    let mut out = String::from("<table class=\"facts\">\n");
    for (k, v) in pairs {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    out.push_str("</table>\n");
    out
}

/// An inline SVG figure with its caption; `svg` comes from the plot renderer.
pub fn figure(name: &str, svg: &str, caption: &str) -> String {
    format!(
        "<figure id=\"fig-{}\">\n{}\n<figcaption>{} <span class=\"muted\">(plots/{}.svg)</span></figcaption>\n</figure>\n",
        escape(name),
        svg.trim(),
        escape(caption),
        escape(name)
    )
}

/// A paragraph of escaped text with a class (`note`, `fault`…).
pub fn para(class: &str, content: &str) -> String {
    format!("<p class=\"{class}\">{}</p>\n", escape(content))
}

/// The page under construction: sections with headings, kept in order for the summary.
#[derive(Debug, Default)]
pub struct Page {
    body: String,
    headings: Vec<String>,
    /// A `<section>` is open and must be closed before the next one.
    open: bool,
}

impl Page {
    /// Opens a section with an `<h2>` (closing the previous one).
    pub fn section(&mut self, id: &str, heading: &str) {
        self.close_section();
        let _ = writeln!(
            self.body,
            "<section id=\"{}\">\n<h2>{}</h2>",
            escape(id),
            escape(heading)
        );
        self.headings.push(heading.to_string());
        self.open = true;
    }

    /// An `<h3>` inside the current section.
    pub fn subheading(&mut self, heading: &str) {
        let _ = writeln!(self.body, "<h3>{}</h3>", escape(heading));
        self.headings.push(format!("  {heading}"));
    }

    pub fn push(&mut self, html: &str) {
        self.body.push_str(html);
    }

    fn close_section(&mut self) {
        if std::mem::take(&mut self.open) {
            self.body.push_str("</section>\n");
        }
    }

    /// Headings in order; `<h3>`s are indented by two spaces.
    pub fn headings(&self) -> &[String] {
        &self.headings
    }

    /// The whole document.
    pub fn finish(mut self, title: &str, header_html: &str) -> String {
        self.close_section();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n{header_html}{}\
             </main>\n</body>\n</html>\n",
            escape(title),
            self.body
        )
    }
}

const CSS: &str = r#"
:root { --fg: #1d1d1f; --muted: #6b6b70; --line: #d8d8dc; --pass: #0a7b34; --fail: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-size: 13px;
  font-weight: 600; vertical-align: middle; margin-left: 8px; color: #fff; background: var(--muted); }
.badge.completed { background: var(--pass); }
.badge.failed, .badge.interrupted { background: var(--fail); }
.badge.running { background: #b26a00; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--fg); }
table.facts th { font-weight: 600; padding-right: 18px; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass { color: var(--pass); font-weight: 600; }
td.fail { color: var(--fail); font-weight: 600; }
td.muted, .muted { color: var(--muted); }
figure { margin: 14px 0 22px; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 13.5px; margin-top: 6px; max-width: 680px; }
pre { background: #f6f6f8; border: 1px solid var(--line); padding: 10px 12px; overflow-x: auto; font-size: 12.5px; }
details summary { cursor: pointer; margin: 6px 0; }
p.note { color: var(--muted); }
p.fault { color: var(--fail); font-weight: 600; }
.simulated { border: 2px solid #b26a00; background: #fff6e6; padding: 8px 12px; margin: 8px 0 14px; }
.simulated ul { margin: 4px 0 0; }
@media print { main { max-width: none; padding: 0; } figure { break-inside: avoid; }
  .scroll { overflow: visible; } table { font-size: 11px; width: 100%; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
  details { display: block; } }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        let mut t = Table::new(&["a<b"]);
        t.row(vec![text("<script>")]);
        let html = t.to_html();
        assert!(html.contains("<th>a&lt;b</th>") && html.contains("&lt;script&gt;"));
        let mut t = Table::new(&["electrode"]);
        t.row(vec![text("mg_disc_prepassivated (2 cm²)")]);
        t.row(vec![text("mg_ps")]);
        let html = t.to_html();
        assert!(html.contains("<td>mg_<wbr>disc_<wbr>prepassivated (2 cm²)</td>"));
        assert!(html.contains("<td>mg_ps</td>"), "short names stay whole");
        let mut page = Page::default();
        page.section("s", "One & two");
        page.subheading("Sub");
        let doc = page.finish("T<", "");
        assert!(doc.contains("<title>T&lt;</title>") && doc.contains("<h2>One &amp; two</h2>"));
        assert_eq!(
            doc.matches("<section").count(),
            doc.matches("</section>").count()
        );
        assert!(!doc.contains("<script"));
    }
}
