//! Temporary paths a run makes (a dataset being generated, query spill files, data files
//! written for a commit that has not happened yet), so that
//! none outlives the process: each is registered while it exists and removed when its
//! guard is dropped — on success, on error and on a panic that unwinds — and by
//! [`remove_all`], which the binary calls on SIGINT/SIGTERM and before it exits. A run
//! killed outright (SIGKILL, power loss) leaves its spill folder behind: the next run
//! removes such folders of processes that no longer exist ([`sweep_spill_folders`]).
//!
//! Owns the registry only; it never decides what is temporary, and never touches a path
//! that was not registered (or, for the sweep, that does not carry the spill prefix and a
//! dead process's id).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A registered temporary file or folder, removed when dropped (unless [`TempPath::keep`]
/// is called, e.g. once it has been renamed into place).
#[derive(Debug)]
pub struct TempPath {
    path: PathBuf,
    armed: bool,
}

impl TempPath {
    /// Registers `path` (which need not exist yet).
    pub fn register(path: impl Into<PathBuf>) -> TempPath {
        let path = path.into();
        lock().push(path.clone());
        TempPath { path, armed: true }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` (which makes the path permanent, e.g. renames it into place) with the
    /// registry locked, so that a signal arriving meanwhile cannot remove the path after
    /// `f` has made it permanent; the path is then no longer removed.
    pub fn keep<T>(mut self, f: impl FnOnce(&Path) -> T) -> T {
        let mut registry = lock();
        let out = f(&self.path);
        registry.retain(|p| p != &self.path);
        self.armed = false;
        out
    }
}

/// [`TempPath::keep`] for several paths at once: `f` (a commit that names them) runs with
/// the registry locked, and none of them is removed afterwards (on an error `f` removes
/// what it must itself). A signal meanwhile waits for `f` to end.
pub fn keep_all<T>(paths: Vec<TempPath>, f: impl FnOnce() -> T) -> T {
    let mut registry = lock();
    let out = f();
    for mut p in paths {
        registry.retain(|r| r != &p.path);
        p.armed = false;
    }
    out
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.armed {
            let mut registry = lock();
            remove(&self.path);
            registry.retain(|p| p != &self.path);
        }
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // (A panic while the lock was held leaves the list as it was: still usable.)
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn remove(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Removes every registered path (the binary calls this on SIGINT/SIGTERM, then exits).
/// Returns how many were registered.
pub fn remove_all() -> usize {
    let mut registry = lock();
    for p in registry.iter() {
        remove(p);
    }
    let n = registry.len();
    registry.clear();
    n
}

/// The prefix of the per-process spill folders (`yusuan-spill-<pid>`).
pub const SPILL_PREFIX: &str = "yusuan-spill-";

/// This process's spill folder in `parent` (not created).
pub fn spill_folder(parent: &Path) -> PathBuf {
    parent.join(format!("{SPILL_PREFIX}{}", std::process::id()))
}

/// Removes the spill folders in `parent` left by processes that no longer run (killed
/// before they could clean up). Only where the system lists its processes under
/// `/proc`; elsewhere nothing is removed. Returns the folders removed.
pub fn sweep_spill_folders(parent: &Path) -> Vec<PathBuf> {
    let proc = Path::new("/proc/self");
    if !proc.exists() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SPILL_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let path = e.path();
            if std::fs::remove_dir_all(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_removes_its_path_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::create_dir_all(a.join("inner")).unwrap();
        drop(TempPath::register(&a));
        assert!(!a.exists());
        let b = dir.path().join("b");
        std::fs::write(&b, "x").unwrap();
        let kept = TempPath::register(&b);
        let c = dir.path().join("c");
        kept.keep(|p| std::fs::rename(p, &c)).unwrap();
        assert!(c.exists() && !b.exists());
        assert!(!lock().iter().any(|p| p == &b));
    }

    #[test]
    fn keep_all_disarms_every_guard_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("f{i}"))).collect();
        let guards = files
            .iter()
            .map(|f| {
                std::fs::write(f, "x").unwrap();
                TempPath::register(f)
            })
            .collect();
        let n = keep_all(guards, || 7);
        assert_eq!(n, 7);
        assert!(files.iter().all(|f| f.exists()));
        assert!(!lock().iter().any(|p| files.contains(p)));
        // (Dropped without a commit, a guard removes its file.)
        drop(TempPath::register(&files[0]));
        assert!(!files[0].exists());
    }

    #[test]
    fn stale_spill_folders_of_dead_processes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        // (A pid above the kernel's maximum never runs.)
        let dead = dir.path().join(format!("{SPILL_PREFIX}4194305"));
        let mine = spill_folder(dir.path());
        let other = dir.path().join("yusuan-spill-notapid");
        for d in [&dead, &mine, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        let removed = sweep_spill_folders(dir.path());
        if Path::new("/proc/self").exists() {
            assert_eq!(removed, vec![dead.clone()]);
            assert!(!dead.exists());
        }
        assert!(mine.exists() && other.exists());
    }
}
