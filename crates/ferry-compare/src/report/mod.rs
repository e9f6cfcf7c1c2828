//! What a person reads: the terminal table, `results.json`, one SVG chart per comparison and
//! `index.html`, which shows the table and every chart on one page.

mod chart;
mod html;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::baseline::Verdict;
use crate::harness::{HarnessError, Outcome};
use crate::stats::{Row, Summary};

pub use chart::svg;
pub use html::html;

/// The table, with a legend under it.
pub fn table(outcome: &Outcome) -> String {
    let header = [
        "workload", "backend", "median", "min", "max", "unit", "vs ref", "vs same", "cpu ms",
        "peak MiB", "items/s", "virtual", "change",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    for (row, change) in outcome.rows.iter().zip(&outcome.changes) {
        lines.push(vec![
            row.workload.clone(),
            format!("{}{}", row.backend, if row.baseline { " *" } else { "" }),
            figure(row.figure.median),
            figure(row.figure.min),
            figure(row.figure.max),
            format!(
                "{}{}",
                row.unit,
                if row.higher_is_better { " ^" } else { "" }
            ),
            ratio(row.ratio_to_reference),
            ratio(row.ratio_to_same_runtime),
            row.cpu_ms.map_or_else(dash, |s| figure(s.median)),
            row.peak_rss
                .map_or_else(dash, |s| format!("{:.1}", s.median / 1048576.0)),
            row.throughput.map_or_else(dash, |s| figure(s.median)),
            row.virtual_ms
                .map_or_else(dash, |s| format!("{} ms", figure(s.median))),
            change.map_or_else(dash, |change| {
                let word = match change.verdict {
                    Verdict::Regressed => "REGRESSED",
                    Verdict::Improved => "improved",
                    Verdict::WithinNoise => "noise",
                };
                format!("{word} {:+.1}%", (change.ratio - 1.0) * 100.0)
            }),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            lines
                .iter()
                .map(|line| line[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("\n{}\n", outcome.title);
    for (index, line) in lines.iter().enumerate() {
        for (column, cell) in line.iter().enumerate() {
            let width = widths[column];
            // Names left, numbers right.
            if column < 2 || column == 5 {
                let _ = write!(out, "{cell:<width$}  ");
            } else {
                let _ = write!(out, "{cell:>width$}  ");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        if index == 0 {
            out.push_str(&"-".repeat(widths.iter().map(|w| w + 2).sum::<usize>()));
            out.push('\n');
        }
    }
    let baselines = outcome.rows.iter().any(|row| row.baseline);
    if baselines {
        out.push_str("\n* baseline (the library used directly).");
    }
    let _ = write!(
        out,
        "\nmedian/min/max over {} runs. Less is better, except units marked ^.\nvs ref: median \
         over runs of value / the reference in the same run ({}).",
        outcome.runs,
        reference_words(&outcome.rows)
    );
    out.push_str(if baselines {
        " vs same: against the best baseline on the same runtime.\n"
    } else {
        "\n"
    });
    if let Some(name) = &outcome.baseline {
        let _ = writeln!(
            out,
            "change: against the saved run `{name}`; REGRESSED or improved only beyond its \
             min-max spread and by more than 5 %."
        );
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

fn reference_words(rows: &[Row]) -> String {
    let mut named: Vec<&str> = rows.iter().filter_map(|r| r.reference.as_deref()).collect();
    named.dedup();
    if named.is_empty() {
        "the best baseline of each run".to_owned()
    } else {
        named.join(", ")
    }
}

fn dash() -> String {
    "-".to_owned()
}

fn figure(value: f64) -> String {
    if !value.is_finite() {
        "-".to_owned()
    } else if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(dash, |value| format!("{value:.2}x"))
}

/// `results.json`: one object per workload x backend with `workload`, `backend`, `median`,
/// `min`, `max`, `unit` and `ratio_to_baseline` (the ratio to the reference), and the rest
/// of what was measured.
pub fn to_json(outcome: &Outcome) -> String {
    let summary = |s: Option<Summary>| {
        s.map_or(
            Value::Null,
            |s| json!({ "median": number(s.median), "min": number(s.min), "max": number(s.max) }),
        )
    };
    let rows: Vec<Value> = outcome
        .rows
        .iter()
        .zip(&outcome.changes)
        .map(|(row, change)| {
            json!({
                "workload": row.workload,
                "backend": row.backend,
                "runtime": row.runtime,
                "baseline": row.baseline,
                "median": number(row.figure.median),
                "min": number(row.figure.min),
                "max": number(row.figure.max),
                "unit": row.unit,
                "ratio_to_baseline": row.ratio_to_reference.map(number),
                "reference": row.reference,
                "fastest_baseline": row.fastest_baseline,
                "ratio_to_same_runtime_baseline": row.ratio_to_same_runtime.map(number),
                "lower_is_better": !row.higher_is_better,
                "size": row.size,
                "runs": outcome.runs,
                "quick": outcome.quick,
                "samples": row.samples.iter().map(|v| number(*v)).collect::<Vec<_>>(),
                "wall_ms": summary(Some(row.wall_ms)),
                "cpu_ms": summary(row.cpu_ms),
                "peak_rss_bytes": summary(row.peak_rss),
                "throughput_per_s": summary(row.throughput),
                "virtual_ms": summary(row.virtual_ms),
                "change": change.map(|c| json!({ "verdict": c.verdict, "ratio": number(c.ratio) })),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned());
    text.push('\n');
    text
}

/// A JSON number rounded to 4 decimals; JSON has no NaN or infinity, so those become null.
fn number(value: f64) -> Value {
    if value.is_finite() {
        json!((value * 1e4).round() / 1e4)
    } else {
        Value::Null
    }
}

/// Writes results.json, `<comparison>.svg` per comparison and index.html into `dir` (made if
/// missing); returns how many files were written.
///
/// # Errors
///
/// A file could not be written.
pub fn write_all(outcome: &Outcome, dir: &Path) -> Result<usize, HarnessError> {
    let fail = |path: &Path, message: String| HarnessError::Output {
        path: path.display().to_string(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| fail(&path, e.to_string()))
    };
    write("results.json", &to_json(outcome))?;
    let mut written = 1;
    let mut charts = Vec::new();
    for name in comparison_names(outcome) {
        let rows: Vec<&Row> = outcome.rows.iter().filter(|r| r.workload == name).collect();
        let summary = outcome.summaries.get(&name).map_or("", String::as_str);
        let text = svg(&name, summary, &rows).map_err(|m| fail(&dir.join(&name), m))?;
        write(&format!("{name}.svg"), &text)?;
        written += 1;
        charts.push((name, text));
    }
    write("index.html", &html(outcome, &charts))?;
    Ok(written + 1)
}

/// The comparison names of the rows, in order, each once.
fn comparison_names(outcome: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in &outcome.rows {
        if !names.contains(&row.workload) {
            names.push(row.workload.clone());
        }
    }
    names
}
