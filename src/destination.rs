//! Where a report or a snapshot is written, decided before any work starts: a regular file is
//! replaced atomically (a temporary file beside it, mode 0600, renamed into place when
//! complete); an existing stream (a FIFO, a terminal, a device such as `/dev/null` or
//! `/dev/stdout`) is written in place, never replaced; stdout is stdout. A symbolic link is
//! followed: the file it points to is replaced and the link stays. A path that is also an
//! input, a folder, or a link to nothing is refused.

use crate::error::InputError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files not yet renamed into place: an interrupted run removes them.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On SIGINT, SIGTERM or SIGHUP: remove the pending temporary files, then exit 130.
pub fn remove_temporaries_when_interrupted() {
    let installed = ctrlc::set_handler(|| {
        if let Ok(pending) = PENDING.lock() {
            for path in pending.iter() {
                let _ = std::fs::remove_file(path);
            }
        }
        eprintln!("interrupted: no output was replaced");
        std::process::exit(130);
    });
    if let Err(error) = installed {
        tracing::warn!("cannot watch for interruptions: {error}");
    }
}

fn forget_pending(path: &Path) {
    if let Ok(mut pending) = PENDING.lock() {
        pending.retain(|p| p != path);
    }
}

pub enum Destination {
    Stdout(BufWriter<std::io::Stdout>),
    /// A regular file (new or existing), written through a temporary file in its folder.
    Replace {
        path: PathBuf,
        temp: BufWriter<tempfile::NamedTempFile>,
    },
    /// An existing non-regular file, opened for writing as it is.
    Stream {
        path: PathBuf,
        file: BufWriter<File>,
    },
}

impl Destination {
    pub fn stdout() -> Self {
        Destination::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout()))
    }

    /// Checks `path` and prepares to write it; `inputs` are the files the run reads.
    pub fn open(path: &Path, inputs: &[PathBuf]) -> Result<Self, InputError> {
        let refuse = |message: String| InputError::Usage(format!("{}: {message}", path.display()));
        match std::fs::metadata(path) {
            Ok(metadata) => {
                if is_same_file_as_any(&metadata, inputs) {
                    return Err(refuse(
                        "is also an input of this run; write the output elsewhere".into(),
                    ));
                }
                if metadata.is_dir() {
                    return Err(refuse("is a folder; name a file".into()));
                }
                if !metadata.is_file() {
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|error| refuse(format!("cannot open for writing: {error}")))?;
                    return Ok(Destination::Stream {
                        path: path.to_path_buf(),
                        file: BufWriter::with_capacity(1 << 20, file),
                    });
                }
                // Through a link, the file it points to is the one replaced.
                let real = std::fs::canonicalize(path).map_err(|error| refuse(format!("cannot resolve: {error}")))?;
                Self::replace(&real, path)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(refuse("is a symbolic link to a file that does not exist".into()));
                }
                Self::replace(path, path)
            }
            Err(error) => Err(refuse(format!("cannot inspect: {error}"))),
        }
    }

    fn replace(real: &Path, named: &Path) -> Result<Self, InputError> {
        let folder = match real.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Created now, so an unwritable folder is an error before the scan, not after it.
        let temp = tempfile::Builder::new()
            .prefix(".posture-")
            .tempfile_in(folder)
            .map_err(|error| {
                InputError::Usage(format!(
                    "{}: cannot write in {}: {error}",
                    named.display(),
                    folder.display()
                ))
            })?;
        if let Ok(mut pending) = PENDING.lock() {
            pending.push(temp.path().to_path_buf());
        }
        Ok(Destination::Replace {
            path: real.to_path_buf(),
            temp: BufWriter::with_capacity(1 << 20, temp),
        })
    }

    pub fn writer(&mut self) -> Box<dyn Write + '_> {
        match self {
            Destination::Stdout(out) => Box::new(out),
            Destination::Replace { temp, .. } => Box::new(temp),
            Destination::Stream { file, .. } => Box::new(file),
        }
    }

    /// Appends `len` bytes of `from` at `offset`; between files the kernel copies them
    /// (copy_file_range), so assembling a multi-gigabyte report costs no user-space copy.
    pub fn copy_range(&mut self, from: &File, offset: u64, len: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut source = from;
        source.seek(SeekFrom::Start(offset))?;
        let mut range = source.take(len);
        let copied = match self {
            Destination::Stdout(out) => {
                out.flush()?;
                std::io::copy(&mut range, &mut std::io::stdout().lock())?
            }
            Destination::Replace { temp, .. } => {
                temp.flush()?;
                std::io::copy(&mut range, temp.get_mut().as_file_mut())?
            }
            Destination::Stream { file, .. } => {
                file.flush()?;
                std::io::copy(&mut range, file.get_mut())?
            }
        };
        if copied == len {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "spool ended after {copied} of {len} bytes"
            )))
        }
    }

    /// What error messages call it.
    pub fn label(&self) -> String {
        match self {
            Destination::Stdout(_) => "stdout".into(),
            Destination::Replace { path, .. } | Destination::Stream { path, .. } => path.display().to_string(),
        }
    }

    /// Finishes the write: the temporary file is synced and renamed over the target.
    pub fn commit(self) -> std::io::Result<()> {
        match self {
            Destination::Stdout(mut out) => out.flush(),
            Destination::Stream { mut file, .. } => file.flush(),
            Destination::Replace { path, temp } => {
                let temp = temp.into_inner().map_err(|error| error.into_error())?;
                let temp_path = temp.path().to_path_buf();
                temp.as_file().sync_all()?;
                let persisted = temp.persist(&path).map_err(|error| error.error);
                forget_pending(&temp_path);
                persisted.map(|_| ())
            }
        }
    }
}

#[cfg(unix)]
fn is_same_file_as_any(target: &std::fs::Metadata, inputs: &[PathBuf]) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Devices (`/dev/null`, `/dev/stdin`) are shared by design; only files can be clobbered.
    target.is_file()
        && inputs
            .iter()
            .any(|input| std::fs::metadata(input).is_ok_and(|m| m.dev() == target.dev() && m.ino() == target.ino()))
}

#[cfg(not(unix))]
fn is_same_file_as_any(_target: &std::fs::Metadata, _inputs: &[PathBuf]) -> bool {
    false
}

/// Writes a whole file through a [`Destination`] (snapshots, schemas, generated docs).
pub fn write_file(
    path: &Path,
    inputs: &[PathBuf],
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut destination = Destination::open(path, inputs)?;
    {
        let mut out = destination.writer();
        write(&mut out)?;
        out.flush()?;
    }
    destination
        .commit()
        .map_err(|error| anyhow::anyhow!("writing {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_replaced_and_a_link_keeps_pointing_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_file(&link, &[], |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no temporary file is left behind");
    }

    #[test]
    fn inputs_folders_and_dangling_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("snapshot.json");
        std::fs::write(&input, "{}").unwrap();
        let refused = |path: &Path, inputs: &[PathBuf]| match Destination::open(path, inputs) {
            Err(error) => error.to_string(),
            Ok(_) => String::from("accepted"),
        };
        assert!(refused(&input, std::slice::from_ref(&input)).contains("is also an input"));
        assert!(refused(dir.path(), &[]).contains("is a folder"));
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("missing"), &dangling).unwrap();
        assert!(refused(&dangling, &[]).contains("does not exist"));
        assert!(refused(&dir.path().join("no/such/folder/x.json"), &[]).contains("cannot write in"));
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let destination = Destination::open(Path::new("/dev/null"), &[]).unwrap();
        assert!(matches!(destination, Destination::Stream { .. }));
        destination.commit().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
