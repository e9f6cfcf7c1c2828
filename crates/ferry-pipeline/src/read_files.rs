//! What the source steps that parse whole files ([`ReadCsv`](super::ReadCsv),
//! [`ReadJsonLines`](super::ReadJsonLines)) share: reading each input file, and reporting
//! a line that could not become a record.

use std::path::Path;

use super::error::{DeadRecord, FailurePolicy, PipelineError, RecordError, RecordPosition};
use super::recorder::StepRecorder;
use ferry_fs::FileSystem;

/// Reads each file of `paths` whole through `fs`, in order, and hands its bytes and path to
/// `parse`, which adds the file's records to the list returned at the end.
///
/// # Errors
///
/// A file that cannot be read fails the step ([`PipelineError::Step`] with the file system's
/// error); an error from `parse` is returned as it is.
pub(super) async fn read_files<P, T, F>(
    fs: &F,
    paths: &[P],
    step: &StepRecorder<'_>,
    mut parse: impl FnMut(&[u8], &Path, &mut Vec<T>) -> Result<(), PipelineError>,
) -> Result<Vec<T>, PipelineError>
where
    P: AsRef<Path>,
    F: FileSystem,
{
    let mut records = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let bytes = fs
            .read(path)
            .await
            .map_err(|error| step.step_error(error))?;
        parse(&bytes, path, &mut records)?;
    }
    Ok(records)
}

/// Counts line `line` of `path`, which could not become a record, as failed under `policy`;
/// `text` is called for the dead letter's copy (the line's text) only if one is kept.
///
/// # Errors
///
/// As [`StepRecorder::failed`].
pub(super) fn fail_line(
    step: &StepRecorder<'_>,
    policy: FailurePolicy,
    path: &Path,
    line: u64,
    error: RecordError,
    text: impl FnOnce() -> Option<String>,
) -> Result<(), PipelineError> {
    let position = RecordPosition::Line {
        path: path.to_owned(),
        line,
    };
    step.failed(policy, position, error, || text().map(DeadRecord::Text))
}
