//! `results.json`: a JSON array with one object per workload x backend. Written by hand (a
//! flat list of strings and numbers) so that xtask needs no serde.

use std::fmt::Write as _;

use super::stats::Row;

/// The whole file's text.
pub(crate) fn to_json(rows: &[Row], runs: usize, quick: bool) -> String {
    let mut out = String::from("[\n");
    for (index, row) in rows.iter().enumerate() {
        let samples: Vec<String> = row.samples.iter().map(|value| number(*value)).collect();
        let _ = write!(
            out,
            "  {{\"workload\": {}, \"backend\": {}, \"runtime\": {}, \"baseline\": {}, \
             \"median\": {}, \"min\": {}, \"max\": {}, \"unit\": {}, \
             \"ratio_to_baseline\": {}, \"fastest_baseline\": {}, \
             \"ratio_to_same_runtime_baseline\": {}, \"lower_is_better\": {}, \
             \"size\": {}, \"runs\": {runs}, \"quick\": {quick}, \"samples\": [{}]}}",
            string(&row.workload),
            string(&row.backend),
            string(&row.runtime),
            row.baseline,
            number(row.median),
            number(row.min),
            number(row.max),
            string(&row.unit),
            row.ratio_to_baseline
                .map_or_else(|| "null".to_owned(), number),
            row.fastest_baseline
                .as_deref()
                .map_or_else(|| "null".to_owned(), string),
            row.ratio_to_same_runtime
                .map_or_else(|| "null".to_owned(), number),
            !row.higher_is_better,
            row.size,
            samples.join(", "),
        );
        out.push_str(if index + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

/// A JSON number; JSON has no NaN or infinity, so those become `null`.
fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.4}")
    } else {
        "null".to_owned()
    }
}

/// A JSON string with the escapes JSON requires.
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\u000ad\"");
    }

    #[test]
    fn non_finite_numbers_become_null() {
        assert_eq!(number(f64::NAN), "null");
        assert_eq!(number(1.5), "1.5000");
    }
}
