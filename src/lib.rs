//! yusuan (预算): an embedded analytical query engine for Chinese public-sector budget
//! disclosures, on Apache DataFusion.
//!
//! # Layout
//! The pipeline runs left to right; imports point left only.
//! - [`ingest`]: disclosure files → [`model::SourceDocument`] (parsing, number repair,
//!   warnings). Never writes, never names an Arrow type.
//! - [`model`]: the typed domain and, in [`model::schema`], the one Arrow schema of every
//!   dataset table.
//! - [`storage`]: the Parquet dataset directory (partitioned by year, atomic commits).
//! - [`engine`]: the DataFusion session over a dataset: tables, views, functions.
//! - [`check`]: reconciliation rules as SQL over the whole dataset.
//! - [`report`]: reports as code: definitions, parameters bound as values, HTML with SVG
//!   charts, CSV/Parquet/xlsx/Markdown, published atomically.
//! - [`schedule`]: the timetable of `yusuan schedule` (cron, time zones, the job_runs rows).
//! - [`synth`]: synthetic datasets (any size, optional planted errors) written like ingest's.
//! - `cli` (binary only): commands, output formats, the shell.
//!
//! # Example
//! ```no_run
//! # async fn demo() -> yusuan::Result<()> {
//! use std::path::Path;
//! use yusuan::ingest::{Overrides, parse_file};
//! use yusuan::storage::Dataset;
//!
//! let doc = parse_file(Path::new("datasets/text/000_59511c5e13e4fdad.txt"), &Overrides::default())?;
//! Dataset::open_or_create(Path::new("yusuan-data"))?.commit(&[doc], 0)?;
//! let engine = yusuan::Engine::open(Path::new("yusuan-data")).await?;
//! let batches = engine.sql("select unit_name, wan(income_total) from budget_totals").await?;
//! # let _ = batches; Ok(()) }
//! ```

pub mod check;
pub mod engine;
pub mod error;
pub mod ingest;
pub mod model;
pub mod report;
pub mod schedule;
pub mod storage;
pub mod synth;
pub mod temp;

pub use engine::Engine;
pub use error::{Error, Result};
