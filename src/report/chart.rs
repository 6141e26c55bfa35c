//! Charts of a section's result as inline SVG, drawn by `charts-rs` (no JS runtime, no
//! browser). Owns turning result columns into categories and series, and the one font
//! charts-rs measures text with. Must not decide what is charted (the definition does).
//!
//! Chinese labels: charts-rs lays text out by measuring it with a registered font; with
//! only its built-in Roboto every CJK character measures as a missing glyph (about half its
//! real width), so titles sit off-centre and labels collide. The font compiled in here
//! (`fonts/NotoSansSC-metrics.otf`, 222 KB) is Noto Sans CJK SC reduced to what measuring
//! needs: the GB 2312 characters, ASCII, Latin-1, general and CJK punctuation and full-width
//! forms, each glyph's outline replaced by its bounding box (advance widths and boxes are
//! the font's own, so every measurement equals the full font's; a character outside the set
//! measures as the 1-em missing glyph, which is the width of any CJK ideograph). It is never
//! shown: the SVG names the family and the page's CSS gives a stack of CJK fonts every
//! Chinese desktop has (`fonts/README.md`).
//! Values are drawn as `f32`: a chart is a picture; the exact numbers are in the tables
//! and files beside it.

use std::sync::Once;

use charts_rs::{
    AxisLabelOverflow, BarChart, ChartBase, HorizontalBarChart, LineChart, PieChart, Series,
    THEME_LIGHT,
};
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::definition::ChartSpec;

/// The family name of the measuring font (and of the SVG text).
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

static FONT: &[u8] = include_bytes!("fonts/NotoSansSC-metrics.otf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and tested (`measures_chinese_at_full_width`).
        let _ = charts_rs::add_fonts(&[FONT]);
    });
}

/// Categories and the series drawn over them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// Why a result cannot be charted as specified.
pub type ChartError = String;

fn text_column(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<String>>, ChartError> {
    let opts = FormatOptions::default();
    let mut out = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| format!("the result has no column '{name}'"))?;
        let f = ArrayFormatter::try_new(col.as_ref(), &opts).map_err(|e| e.to_string())?;
        for i in 0..col.len() {
            out.push((!col.is_null(i)).then(|| f.value(i).to_string()));
        }
    }
    Ok(out)
}

fn number_column(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>, ChartError> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Float64Type;
    let mut out = Vec::new();
    for b in batches {
        let col = b
            .column_by_name(name)
            .ok_or_else(|| format!("the result has no column '{name}'"))?;
        if !(col.data_type().is_numeric() || matches!(col.data_type(), DataType::Null)) {
            return Err(format!(
                "column '{name}' is {}, not a number",
                col.data_type()
            ));
        }
        let f = cast(col.as_ref(), &DataType::Float64).map_err(|e| e.to_string())?;
        let f = f.as_primitive::<Float64Type>();
        for i in 0..f.len() {
            out.push((!f.is_null(i)).then(|| f.value(i)));
        }
    }
    Ok(out)
}

/// Checks that the columns a chart needs are in `schema` (numbers for `y`).
pub fn check_columns(
    spec: &ChartSpec,
    schema: &datafusion::arrow::datatypes::Schema,
) -> Result<(), ChartError> {
    let has = |c: &str| schema.field_with_name(c).ok();
    let names = || {
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for c in std::iter::once(&spec.x).chain(spec.series.iter()) {
        if has(c).is_none() {
            return Err(format!(
                "chart column '{c}' is not in the result ({})",
                names()
            ));
        }
    }
    for c in &spec.y {
        match has(c) {
            None => {
                return Err(format!(
                    "chart column '{c}' is not in the result ({})",
                    names()
                ));
            }
            Some(f) if !f.data_type().is_numeric() => {
                return Err(format!(
                    "chart column '{c}' is {}, not a number",
                    f.data_type()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Arranges a result as categories × series: each `y` column a series, or with `series`
/// one series per distinct value of that column (in order of first appearance). A
/// category appears once, in the order of first appearance; `limit` keeps the first ones.
pub fn data(spec: &ChartSpec, batches: &[RecordBatch]) -> Result<ChartData, ChartError> {
    let xs = text_column(batches, &spec.x)?;
    let label = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".into());
    let mut categories: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut row_cat = Vec::with_capacity(xs.len());
    for x in &xs {
        let l = label(x);
        let i = *index.entry(l.clone()).or_insert_with(|| {
            categories.push(l);
            categories.len() - 1
        });
        row_cat.push(i);
    }
    let mut series: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    match &spec.series {
        None => {
            for y in &spec.y {
                let vs = number_column(batches, y)?;
                let mut data = vec![None; categories.len()];
                for (r, v) in vs.into_iter().enumerate() {
                    if let Some(v) = v {
                        *data[row_cat[r]].get_or_insert(0.0) += v;
                    }
                }
                series.push((y.clone(), data));
            }
        }
        Some(s) => {
            let names = text_column(batches, s)?;
            let vs = number_column(batches, &spec.y[0])?;
            let mut sindex = std::collections::HashMap::new();
            for (r, v) in vs.into_iter().enumerate() {
                let name = label(&names[r]);
                let si = *sindex.entry(name.clone()).or_insert_with(|| {
                    series.push((name, vec![None; categories.len()]));
                    series.len() - 1
                });
                if let Some(v) = v {
                    *series[si].1[row_cat[r]].get_or_insert(0.0) += v;
                }
            }
        }
    }
    // Numbers (years) as categories or series names read in numeric order.
    if is_numeric(batches, &spec.x) {
        let mut order: Vec<usize> = (0..categories.len()).collect();
        order.sort_by(|&a, &b| numeric_order(&categories[a], &categories[b]));
        categories = order.iter().map(|&i| categories[i].clone()).collect();
        for (_, d) in &mut series {
            *d = order.iter().map(|&i| d[i]).collect();
        }
    }
    if let Some(s) = &spec.series
        && is_numeric(batches, s)
    {
        series.sort_by(|a, b| numeric_order(&a.0, &b.0));
    }
    if let Some(n) = spec.limit {
        categories.truncate(n);
        for (_, d) in &mut series {
            d.truncate(n);
        }
    }
    Ok(ChartData { categories, series })
}

fn is_numeric(batches: &[RecordBatch], column: &str) -> bool {
    batches
        .first()
        .and_then(|b| b.schema().field_with_name(column).ok().cloned())
        .is_some_and(|f| f.data_type().is_numeric())
}

fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    let n = |s: &str| s.parse::<f64>().unwrap_or(f64::INFINITY);
    n(a).total_cmp(&n(b))
}

/// Width of the SVG in pixels (the page's content width).
const WIDTH: f32 = 760.0;

/// Draws the chart as SVG.
pub fn svg(spec: &ChartSpec, data: &ChartData) -> Result<String, ChartError> {
    register_font();
    let series: Vec<Series> = data
        .series
        .iter()
        .map(|(name, values)| {
            let mut s = Series::new(name.clone(), Vec::new());
            s.data = values.iter().map(|v| v.map(|v| v as f32)).collect();
            if spec.kind == "stacked_bar" {
                s.stack = Some("total".into());
            }
            s
        })
        .collect();
    let title = spec.title.clone().unwrap_or_default();
    let unit = spec
        .unit
        .as_ref()
        .map(|u| format!("单位：{u}"))
        .unwrap_or_default();
    let show_legend = series.len() > 1 || spec.kind == "pie";
    let categories = data.categories.clone();
    // What every type shares: size, the measuring font, title, unit, legend.
    let frame = |base: &mut ChartBase, height: f32, legend: bool| {
        base.width = WIDTH;
        base.height = height;
        base.font_family = FONT_FAMILY.into();
        base.title.text = title.clone();
        base.sub_title.text = unit.clone();
        base.legend.show = Some(legend);
        base.x_axis.label_overflow = AxisLabelOverflow::Rotate;
    };
    let thousands = |axes: &mut Vec<charts_rs::YAxisConfig>| {
        for y in axes {
            y.formatter = Some("{t}".into());
        }
    };
    let result = match spec.kind.as_str() {
        "horizontal_bar" => {
            // One row per category, top to bottom in the result's order.
            let height = (categories.len() as f32 * 26.0 + 110.0).clamp(220.0, 1400.0);
            let mut series = series;
            for s in &mut series {
                s.data.reverse();
            }
            let mut cats = categories;
            cats.reverse();
            let mut c = HorizontalBarChart::new_with_theme(series, cats, THEME_LIGHT);
            frame(&mut c.base, height, show_legend);
            c.x_axis.formatter = Some("{t}".into());
            c.svg()
        }
        "line" => {
            let mut c = LineChart::new_with_theme(series, categories, THEME_LIGHT);
            frame(&mut c.base, 360.0, show_legend);
            thousands(&mut c.y_axis_configs);
            c.svg()
        }
        "pie" => {
            // A pie's series are its slices.
            let values = data.series.first().map(|s| s.1.clone()).unwrap_or_default();
            let slices: Vec<Series> = categories
                .iter()
                .zip(values)
                .filter_map(|(name, v)| v.map(|v| Series::new(name.clone(), vec![v as f32])))
                .collect();
            let mut c = PieChart::new_with_theme(slices, THEME_LIGHT);
            frame(&mut c.base, 420.0, true);
            c.svg()
        }
        _ => {
            let mut c = BarChart::new_with_theme(series, categories, THEME_LIGHT);
            frame(&mut c.base, 380.0, show_legend);
            thousands(&mut c.y_axis_configs);
            c.svg()
        }
    };
    result.map_err(|e| format!("drawing the chart: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    fn spec(kind: &str, series: Option<&str>) -> ChartSpec {
        ChartSpec {
            kind: kind.into(),
            x: "region".into(),
            y: vec!["total".into()],
            series: series.map(Into::into),
            title: Some("2024年区级一般公共预算支出".into()),
            unit: Some("万元".into()),
            limit: None,
            at: "report.toml:1".into(),
        }
    }

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("region", DataType::Utf8, true),
            Field::new("year", DataType::Int32, false),
            Field::new("total", DataType::Int32, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some("洛龙区"),
                    Some("普陀区"),
                    Some("洛龙区"),
                ])),
                Arc::new(Int32Array::from(vec![2024, 2024, 2023])),
                Arc::new(Int32Array::from(vec![Some(10), Some(7), None])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn long_results_become_series() {
        let d = data(&spec("bar", Some("year")), &[batch()]).unwrap();
        assert_eq!(d.categories, ["洛龙区", "普陀区"]);
        assert_eq!(
            d.series,
            vec![
                ("2023".to_string(), vec![None, None]),
                ("2024".to_string(), vec![Some(10.0), Some(7.0)]),
            ]
        );
        let d = data(&spec("bar", None), &[batch()]).unwrap();
        assert_eq!(
            d.series,
            vec![("total".to_string(), vec![Some(10.0), Some(7.0)])]
        );
        // Years on the x axis in their order, whatever the result's.
        let mut by_year = spec("line", Some("region"));
        by_year.x = "year".into();
        let d = data(&by_year, &[batch()]).unwrap();
        assert_eq!(d.categories, ["2023", "2024"]);
        assert_eq!(d.series[0], ("洛龙区".to_string(), vec![None, Some(10.0)]));
        let mut s = spec("bar", None);
        s.y = vec!["region".into()];
        assert!(data(&s, &[batch()]).unwrap_err().contains("not a number"));
        assert!(check_columns(&s, &batch().schema()).is_err());
        s.y = vec!["nope".into()];
        assert!(
            check_columns(&s, &batch().schema())
                .unwrap_err()
                .contains("region, year, total")
        );
    }

    #[test]
    fn every_type_draws_chinese_text() {
        for kind in super::super::definition::CHART_TYPES {
            let series = (*kind != "pie").then_some("year");
            let d = data(&spec(kind, series), &[batch()]).unwrap();
            let svg = svg(&spec(kind, series), &d).unwrap();
            assert!(svg.starts_with("<svg"), "{kind}");
            assert!(
                svg.contains("普陀区") && svg.contains("单位：万元"),
                "{kind}"
            );
            assert!(svg.contains(FONT_FAMILY), "{kind}");
        }
    }

    #[test]
    fn measures_chinese_at_full_width() {
        register_font();
        // 14 CJK characters at 14 px: 14 em less the last glyph's side bearing.
        let w =
            charts_rs::measure_text_width_family(FONT_FAMILY, 14.0, "区级一般公共预算支出万元合计")
                .unwrap()
                .width();
        assert!((190.0..=196.0).contains(&w), "{w}");
        // Roboto (charts-rs's own font) would measure them at about half that.
        let roboto =
            charts_rs::measure_text_width_family("Roboto", 14.0, "区级一般公共预算支出万元合计")
                .unwrap()
                .width();
        assert!(roboto < 150.0, "{roboto}");
    }
}
