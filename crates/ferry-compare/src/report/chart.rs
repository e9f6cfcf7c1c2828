//! One SVG bar chart per comparison, drawn with plotters' SVG backend (no system fonts:
//! plotters without its `ttf` feature estimates text sizes and leaves the glyphs to the SVG
//! viewer).
//!
//! One horizontal bar per case at its median, a whisker from min to max, baselines in grey
//! and the others in blue, the figure and the ratio to the reference written at the end.

use plotters::prelude::*;

use crate::stats::Row;

const WIDTH: u32 = 960;
const ROW_HEIGHT: u32 = 34;
const TOP: i32 = 64;
const LABEL_WIDTH: i32 = 290;
const VALUE_WIDTH: i32 = 190;
const CASE: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const BASELINE: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

/// The chart of one comparison's `rows`, as SVG text.
///
/// # Errors
///
/// plotters failed to draw (it says why).
pub fn svg(name: &str, summary: &str, rows: &[&Row]) -> Result<String, String> {
    let mut out = String::new();
    draw(&mut out, name, summary, rows).map_err(|error| format!("chart {name}: {error}"))?;
    Ok(out)
}

fn draw(
    out: &mut String,
    name: &str,
    summary: &str,
    rows: &[&Row],
) -> Result<(), Box<dyn std::error::Error>> {
    let height = TOP as u32 + ROW_HEIGHT * rows.len() as u32 + 40;
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let unit = rows.first().map_or("", |row| row.unit.as_str());
    let size = rows.first().map_or(0, |row| row.size);
    let better = if rows.first().is_some_and(|row| row.higher_is_better) {
        "more"
    } else {
        "less"
    };
    let title = if size > 0 {
        format!("{name}: {unit} at size {size}, {better} is better")
    } else {
        format!("{name}: {unit}, {better} is better")
    };
    root.draw(&Text::new(title, (12, 10), ("sans-serif", 22).into_font()))?;
    root.draw(&Text::new(
        summary.to_owned(),
        (12, 38),
        ("sans-serif", 13).into_font().color(&BLACK.mix(0.7)),
    ))?;
    let scale_max = rows
        .iter()
        .map(|row| row.figure.max)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let bar_space = f64::from(WIDTH as i32 - LABEL_WIDTH - VALUE_WIDTH - 12);
    let x_of = |value: f64| {
        let fraction = if scale_max > 0.0 && value.is_finite() {
            value / scale_max
        } else {
            0.0
        };
        LABEL_WIDTH + (fraction * bar_space) as i32
    };
    for (index, row) in rows.iter().enumerate() {
        let y = TOP + index as i32 * ROW_HEIGHT as i32;
        let colour = if row.baseline { BASELINE } else { CASE };
        let label = format!(
            "{}{}",
            row.backend,
            if row.baseline { " (baseline)" } else { "" }
        );
        root.draw(&Text::new(
            label,
            (12, y + 8),
            ("sans-serif", 14).into_font(),
        ))?;
        root.draw(&Rectangle::new(
            [
                (LABEL_WIDTH, y + 4),
                (
                    x_of(row.figure.median).max(LABEL_WIDTH + 1),
                    y + ROW_HEIGHT as i32 - 6,
                ),
            ],
            colour.filled(),
        ))?;
        let whisker_y = y + ROW_HEIGHT as i32 / 2 - 1;
        root.draw(&PathElement::new(
            vec![
                (x_of(row.figure.min), whisker_y),
                (x_of(row.figure.max), whisker_y),
            ],
            BLACK.stroke_width(1),
        ))?;
        for end in [row.figure.min, row.figure.max] {
            root.draw(&PathElement::new(
                vec![(x_of(end), whisker_y - 5), (x_of(end), whisker_y + 5)],
                BLACK.stroke_width(1),
            ))?;
        }
        let ratio = row
            .ratio_to_reference
            .map_or_else(String::new, |ratio| format!("  {ratio:.2}x"));
        root.draw(&Text::new(
            format!("{:.1}{ratio}", row.figure.median),
            (x_of(scale_max) + 8, y + 8),
            ("sans-serif", 14).into_font(),
        ))?;
    }
    root.draw(&Text::new(
        "bar: median; whisker: min to max; ratio: median of value / the reference of the same run"
            .to_owned(),
        (12, height as i32 - 26),
        ("sans-serif", 12).into_font().color(&BLACK.mix(0.6)),
    ))?;
    root.present()?;
    Ok(())
}
