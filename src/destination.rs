//! Where a report or a snapshot is written, decided before any work starts: a regular file is
//! replaced atomically (a temporary file beside it, mode 0600, renamed into place when
//! complete); an existing stream (a FIFO, a terminal, a device such as `/dev/null` or
//! `/dev/stdout`) is written in place, never replaced; stdout is stdout. A symbolic link is
//! followed: the file it points to is replaced and the link stays. A path that is also an
//! input, a folder, or a link to nothing is refused. A folder output (`-f ocsf-parquet=DIR`)
//! takes an existing folder or makes a new one (never a file or a link to nothing) and only adds
//! files to it, each written beside its place and renamed there; a file already there is never
//! replaced.

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
    /// A folder that gets new files; what is written here is spooled for the output to convert.
    Folder {
        path: PathBuf,
        spool: BufWriter<File>,
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

    /// Checks a folder output and makes it if it does not exist yet.
    pub fn open_folder(path: &Path) -> Result<Self, InputError> {
        let refuse = |message: String| InputError::Usage(format!("{}: {message}", path.display()));
        match std::fs::metadata(path) {
            Ok(metadata) if !metadata.is_dir() => return Err(refuse("is not a folder; name a folder".into())),
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(refuse("is a symbolic link to a folder that does not exist".into()));
                }
                std::fs::create_dir_all(path).map_err(|error| refuse(format!("cannot create: {error}")))?;
            }
            Err(error) => return Err(refuse(format!("cannot inspect: {error}"))),
        }
        // Tried now, so an unwritable folder is an error before the scan, not after it.
        tempfile::Builder::new()
            .prefix(".posture-")
            .tempfile_in(path)
            .map_err(|error| refuse(format!("cannot write in it: {error}")))?;
        let spool = tempfile::tempfile().map_err(|error| refuse(format!("cannot spool: {error}")))?;
        Ok(Destination::Folder {
            path: path.to_path_buf(),
            spool: BufWriter::with_capacity(1 << 20, spool),
        })
    }

    /// A folder output's path and what was written to it, from the start.
    pub fn into_folder_spool(self) -> std::io::Result<(PathBuf, File)> {
        use std::io::{Seek, SeekFrom};
        match self {
            Destination::Folder { path, spool } => {
                let mut file = spool.into_inner().map_err(|error| error.into_error())?;
                file.seek(SeekFrom::Start(0))?;
                Ok((path, file))
            }
            other => Err(std::io::Error::other(format!(
                "{} is not a folder output",
                other.label()
            ))),
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
            Destination::Stream { file, .. } | Destination::Folder { spool: file, .. } => Box::new(file),
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
            Destination::Stream { file, .. } | Destination::Folder { spool: file, .. } => {
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
            Destination::Replace { path, .. } | Destination::Stream { path, .. } | Destination::Folder { path, .. } => {
                path.display().to_string()
            }
        }
    }

    /// Finishes the write: the temporary file is synced and renamed over the target.
    pub fn commit(self) -> std::io::Result<()> {
        match self {
            Destination::Stdout(mut out) => out.flush(),
            Destination::Stream { mut file, .. } | Destination::Folder { spool: mut file, .. } => file.flush(),
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

/// Adds the new file `folder/name` (its folders made as needed): written to a temporary file
/// beside it, then renamed into place unless a file of that name is already there.
pub fn add_file(
    folder: &Path,
    name: &str,
    write: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let mut new = NewFile::create(folder, name)?;
    match write(new.temp.as_file_mut()) {
        Ok(()) => new.persist(),
        Err(error) => {
            new.discard();
            Err(error)
        }
    }
}

/// A file being added to a folder output: a temporary file beside its place, removed if the run
/// is interrupted or fails, renamed into place by [`NewFile::persist`].
pub struct NewFile {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl NewFile {
    pub fn create(folder: &Path, name: &str) -> anyhow::Result<Self> {
        let path = folder.join(name);
        let dir = path.parent().unwrap_or(folder);
        std::fs::create_dir_all(dir).map_err(|error| anyhow::anyhow!("{}: cannot create: {error}", dir.display()))?;
        let temp = tempfile::Builder::new()
            .prefix(".posture-")
            .tempfile_in(dir)
            .map_err(|error| anyhow::anyhow!("{}: cannot write in it: {error}", dir.display()))?;
        if let Ok(mut pending) = PENDING.lock() {
            pending.push(temp.path().to_path_buf());
        }
        Ok(NewFile { temp, path })
    }

    /// A second handle on the temporary file, for a writer that owns what it writes to.
    pub fn handle(&self) -> std::io::Result<File> {
        self.temp.as_file().try_clone()
    }

    /// Removes the temporary file: nothing is added.
    pub fn discard(self) {
        forget_pending(self.temp.path());
    }

    /// Syncs the file and renames it into place; a file already there is never replaced.
    pub fn persist(self) -> anyhow::Result<PathBuf> {
        let NewFile { temp, path } = self;
        let temp_path = temp.path().to_path_buf();
        let persisted = temp
            .as_file()
            .sync_all()
            .map_err(|error| anyhow::anyhow!("writing {}: {error}", path.display()))
            .and_then(|()| {
                temp.persist_noclobber(&path).map_err(|error| match error.error.kind() {
                    std::io::ErrorKind::AlreadyExists => {
                        anyhow::anyhow!("{}: exists already; not replaced", path.display())
                    }
                    _ => anyhow::anyhow!("writing {}: {}", path.display(), error.error),
                })
            });
        forget_pending(&temp_path);
        persisted.map(|_| path)
    }
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
    fn a_folder_output_adds_files_and_never_replaces_one() {
        let dir = tempfile::tempdir().unwrap();
        let write =
            |text: &'static str| add_file(dir.path(), "a/b/x.parquet", |file| Ok(file.write_all(text.as_bytes())?));
        let path = write("first").unwrap();
        assert_eq!(path, dir.path().join("a/b/x.parquet"));
        assert!(write("second")
            .unwrap_err()
            .to_string()
            .contains("exists already; not replaced"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        assert_eq!(
            std::fs::read_dir(dir.path().join("a/b")).unwrap().count(),
            1,
            "no temporary file left"
        );
        let file = dir.path().join("file");
        std::fs::write(&file, "kept").unwrap();
        assert!(matches!(Destination::open_folder(&file), Err(e) if e.to_string().contains("is not a folder")));
        assert!(matches!(
            Destination::open_folder(&dir.path().join("new/lake")),
            Ok(Destination::Folder { .. })
        ));
        assert!(dir.path().join("new/lake").is_dir());
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let destination = Destination::open(Path::new("/dev/null"), &[]).unwrap();
        assert!(matches!(destination, Destination::Stream { .. }));
        destination.commit().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
