//! `SnapshotStore`, the object store a query session reads the dataset through: under the
//! dataset's directory it lists exactly the data files of one dataset version (with the
//! sizes and times the transaction log recorded), so DataFusion's listing tables — and
//! every rule of the engine built on them: year partitions, row-group pruning, the
//! metadata cache — see that version and nothing else, whatever is written meanwhile.
//! It refuses to write, delete or rename anything there (only commits change a dataset),
//! and a data file whose size differs from its log entry is an error naming the file,
//! never a smaller table. Everywhere else it is the local file system. Owns no SQL.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

/// One live data file as the session sees it.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    pub local: PathBuf,
    pub size: u64,
    pub modified_ms: i64,
}

/// The local file system, with the dataset's directory showing one version (module docs).
#[derive(Debug)]
pub struct SnapshotStore {
    inner: Arc<LocalFileSystem>,
    root: Path,
    root_display: String,
    files: BTreeMap<Path, SnapshotFile>,
}

impl SnapshotStore {
    /// A store showing `files` under `root` (an absolute, canonical directory).
    pub fn new(root: &std::path::Path, files: Vec<SnapshotFile>) -> object_store::Result<Self> {
        let mut map = BTreeMap::new();
        for f in files {
            map.insert(Path::from_absolute_path(&f.local)?, f);
        }
        Ok(SnapshotStore {
            inner: Arc::new(LocalFileSystem::new()),
            root: Path::from_absolute_path(root)?,
            root_display: root.display().to_string(),
            files: map,
        })
    }

    fn inside(&self, location: &Path) -> bool {
        location.prefix_matches(&self.root)
    }

    fn refuse(&self, location: &Path) -> object_store::Error {
        object_store::Error::Generic {
            store: "yusuan",
            source: format!(
                "/{location} is inside the dataset {}, which changes only through yusuan's commits (ingest, check, compact); SQL cannot insert into, copy to or delete dataset files — write results elsewhere, e.g. COPY (...) TO 'out.parquet'",
                self.root_display
            )
            .into(),
        }
    }

    fn meta(&self, location: &Path, f: &SnapshotFile) -> ObjectMeta {
        ObjectMeta {
            location: location.clone(),
            last_modified: Utc
                .timestamp_millis_opt(f.modified_ms)
                .single()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
            size: f.size,
            e_tag: None,
            version: None,
        }
    }

    /// Checks that a live file is still there with the size its log entry recorded.
    fn check(&self, location: &Path) -> object_store::Result<()> {
        let Some(f) = self.files.get(location) else {
            return Ok(());
        };
        let found = match std::fs::metadata(&f.local) {
            Ok(m) => m.len(),
            Err(e) => {
                return Err(object_store::Error::Generic {
                    store: "yusuan",
                    source: format!(
                        "data file {} of the dataset is missing or unreadable ({e}): it was removed outside a commit (or by `yusuan vacuum` while this version was still read); query a newer version",
                        f.local.display()
                    )
                    .into(),
                });
            }
        };
        if found != f.size {
            return Err(object_store::Error::Generic {
                store: "yusuan",
                source: super::files::size_mismatch(&f.local, found, f.size)
                    .to_string()
                    .into(),
            });
        }
        Ok(())
    }

    fn listed(&self, prefix: Option<&Path>) -> Vec<ObjectMeta> {
        self.files
            .iter()
            .filter(|(p, _)| prefix.is_none_or(|pre| p.prefix_matches(pre)))
            .map(|(p, f)| self.meta(p, f))
            .collect()
    }
}

impl fmt::Display for SnapshotStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "yusuan dataset snapshot of {}", self.root_display)
    }
}

#[async_trait]
impl ObjectStore for SnapshotStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        if self.inside(location) {
            return Err(self.refuse(location));
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        if self.inside(location) {
            return Err(self.refuse(location));
        }
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.check(location)?;
        let mut result = self.inner.get_opts(location, options).await?;
        if let Some(f) = self.files.get(location) {
            result.meta = self.meta(location, f);
        }
        Ok(result)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.check(location)?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let root = self.root.clone();
        let display = self.root_display.clone();
        let inner = Arc::clone(&self.inner);
        let checked = locations.map(move |l| {
            let l = l?;
            if l.prefix_matches(&root) {
                return Err(object_store::Error::Generic {
                    store: "yusuan",
                    source: format!(
                        "/{l} is inside the dataset {display}, which changes only through yusuan's commits"
                    )
                    .into(),
                });
            }
            Ok(l)
        });
        inner.delete_stream(checked.boxed())
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        if prefix.is_some_and(|p| self.inside(p)) {
            return stream::iter(self.listed(prefix).into_iter().map(Ok)).boxed();
        }
        // A prefix above the dataset: the file system outside it, the snapshot inside.
        let root = self.root.clone();
        let outside = self.inner.list(prefix).filter(move |m| {
            let keep = !m.as_ref().is_ok_and(|m| m.location.prefix_matches(&root));
            futures::future::ready(keep)
        });
        let inside = stream::iter(self.listed(prefix).into_iter().map(Ok));
        outside.chain(inside).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let Some(prefix) = prefix.filter(|p| self.inside(p)) else {
            let mut result = self.inner.list_with_delimiter(prefix).await?;
            result
                .objects
                .retain(|m| !m.location.prefix_matches(&self.root));
            return Ok(result);
        };
        let depth = prefix.parts().count();
        let mut common = Vec::new();
        let mut objects = Vec::new();
        for m in self.listed(Some(prefix)) {
            let parts: Vec<_> = m.location.parts().collect();
            if parts.len() == depth + 1 {
                objects.push(m);
            } else {
                let dir = Path::from_iter(parts.into_iter().take(depth + 1));
                if common.last() != Some(&dir) {
                    common.push(dir);
                }
            }
        }
        common.dedup();
        Ok(ListResult {
            common_prefixes: common,
            objects,
        })
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        if self.inside(to) {
            return Err(self.refuse(to));
        }
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        if self.inside(to) {
            return Err(self.refuse(to));
        }
        if self.inside(from) {
            return Err(self.refuse(from));
        }
        self.inner.rename_opts(from, to, options).await
    }
}
