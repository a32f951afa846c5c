//! The exclusive state lock (`ROOT/var/sim/state.lock`), held for a whole sim command so that
//! concurrent commands serialise the way dlmgmtd's table lock (`dlmgmt_table_lock`) and the
//! kernel's dls locks serialise real ones. Uses std's `File::lock` (flock on Linux), which
//! the kernel releases when the process dies, so a crashed command never leaves it held.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// A held lock; released on drop.
#[derive(Debug)]
pub struct StateLock {
    file: File,
}

impl StateLock {
    /// Blocks until the exclusive lock on `path` is ours (creating the file if needed).
    pub fn acquire(path: &Path) -> io::Result<StateLock> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.lock()?;
        Ok(StateLock { file })
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
