//! `index.html`: the table and every chart on one page, self-contained (the SVGs inline, no
//! scripts, no external style sheets).

use std::fmt::Write as _;

use crate::harness::Outcome;

/// The page for `outcome`, with `charts` (comparison name, SVG text) inline.
pub fn html(outcome: &Outcome, charts: &[(String, String)]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title>\n<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}\
         pre{{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}}\
         section{{margin:2em 0}}</style></head><body>\n<h1>{title}</h1>\n\
         <p>{runs} runs per case{quick}. Bars at the median, whiskers from min to max.</p>\n",
        title = escape(&outcome.title),
        runs = outcome.runs,
        quick = if outcome.quick { ", quick sizes" } else { "" },
    );
    let _ = write!(
        out,
        "<h2>Table</h2>\n<pre>{}</pre>\n",
        escape(&super::table(outcome))
    );
    for (name, svg) in charts {
        let summary = outcome.summaries.get(name).map_or("", String::as_str);
        let _ = write!(
            out,
            "<section id=\"{id}\"><h2>{name}</h2><p>{summary}</p>\n{svg}\n</section>\n",
            id = escape(name),
            name = escape(name),
            summary = escape(summary),
            svg = strip_xml_declaration(svg),
        );
    }
    if !outcome.failures.is_empty() {
        out.push_str("<h2>Failures</h2><ul>\n");
        for failure in &outcome.failures {
            let _ = writeln!(
                out,
                "<li>{} / {} (round {}): {}</li>",
                escape(&failure.comparison),
                escape(&failure.case),
                failure.round,
                escape(&failure.error.to_string())
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// An SVG file starts with an XML declaration, which has no place inside HTML.
fn strip_xml_declaration(svg: &str) -> &str {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest
            .find("?>")
            .map_or(svg, |end| rest[end + 2..].trim_start()),
        None => svg,
    }
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    #[test]
    fn the_xml_declaration_is_dropped_before_inlining() {
        assert_eq!(
            strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"),
            "<svg/>"
        );
        assert_eq!(strip_xml_declaration("<svg/>"), "<svg/>");
    }
}
