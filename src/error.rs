//! The one error type of the library. Every variant says *where* (file, line, table,
//! dataset path) so that the CLI can print it as is; the CLI adds context with `anyhow`.
//! This module must not print anything.

use std::path::PathBuf;

/// Errors raised by ingest, storage and the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A source document could not be read as a budget disclosure at all.
    #[error("{}: {reason}", .path.display())]
    NotADisclosure { path: PathBuf, reason: String },

    /// A document with tables that states no year anywhere. It is carried along so that a
    /// narrative PDF published beside it (which states the year) can complete it in a
    /// batch (`ingest::companion::attach_companions`); alone, it is refused.
    #[error(
        "{}: no year (such as 2024年) on the cover or in any table title; pass --year, or ingest it together with its narrative PDF, which states it",
        .path.display()
    )]
    YearMissing {
        path: PathBuf,
        document: Box<crate::model::SourceDocument>,
    },

    /// A source document is malformed at a known line.
    #[error("{}:{line}: {reason}", .path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    /// The dataset directory holds data this version cannot read or extend.
    #[error("dataset {}: {reason}", .path.display())]
    Dataset { path: PathBuf, reason: String },

    /// A file-system operation failed (the cause is the `source`).
    #[error("{action} {}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A report definition or run failed: where (a file and line, or the report and its
    /// section) and why.
    #[error("{location}: {reason}")]
    Report { location: String, reason: String },

    /// Writing or reading Parquet failed (the cause is the `source`).
    #[error("parquet file {}", .path.display())]
    Parquet {
        path: PathBuf,
        source: datafusion::parquet::errors::ParquetError,
    },

    /// Building Arrow data failed (a bug or an out-of-range value).
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),

    /// Starting, reaching or using a cluster failed (`engine::cluster`): where (a scheduler
    /// address, a node) and why.
    #[error("cluster {location}: {reason}")]
    Cluster { location: String, reason: String },

    /// Planning or running a query failed.
    #[error(transparent)]
    Query(#[from] datafusion::error::DataFusionError),
}

impl Error {
    /// Wraps an I/O error with the action and the path it concerned.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
