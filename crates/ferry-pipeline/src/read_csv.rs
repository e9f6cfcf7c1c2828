//! [`ReadCsv`]: read records from CSV files, reporting malformed rows with their line numbers.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::error::{FailurePolicy, PipelineError};
use super::read_files::{fail_line, read_files};
use super::recorder::StepRecorder;
use super::step::Step;
use ferry_fs::FileSystem;

/// A CSV row that could not become a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, line {line}: {kind}", path.display())]
pub struct CsvRowError {
    /// The file.
    pub path: PathBuf,
    /// The row's line, counted from 1 (the header is line 1 when there is one).
    pub line: u64,
    /// What was wrong.
    pub kind: CsvRowErrorKind,
}

/// What was wrong with a CSV row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvRowErrorKind {
    /// The row has more or fewer fields than the header (or than the first row, without a
    /// header).
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// Fields in the header or first row.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A field did not fit the record type (a bad number, a missing column).
    #[error("field `{field}`: {message}")]
    Field {
        /// The column's header name, or its number (from 1) without a header.
        field: String,
        /// What was wrong, as the deserializer said it.
        message: String,
    },
    /// The row did not fit the record type as a whole.
    #[error("{0}")]
    Record(String),
}

/// A CSV file that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the CSV header of {}: {source}", path.display())]
pub struct CsvHeaderError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: ::csv::Error,
}

/// A source step that reads every file path it is given as CSV (with the `csv` crate) and
/// gives back one `T` per row, in file order.
///
/// Counts are in rows: `in` is every row read (not the header, not blank lines), `out` the
/// rows that became records. A malformed row (a wrong field count, a field that does not fit
/// `T`) is a [`CsvRowError`] with the file and line number, handled by the step's
/// [`FailurePolicy`] at [`RecordPosition::Line`](super::RecordPosition::Line) (dead letters
/// keep the row's text); the rows after it are still read. A file that cannot be read fails
/// the step ([`PipelineError::Step`] with the file system's error).
///
/// By default the first row is a header and fields are matched to `T`'s fields by name; with
/// [`has_headers(false)`](Self::has_headers), by position. Each file is read whole through
/// the [`FileSystem`] before parsing.
///
/// ```
/// # use std::path::{Path, PathBuf};
/// # use ferry_fs::*;
/// use ferry_pipeline::{FailurePolicy, Pipeline, PipelineContext, ReadCsv};
///
/// #[derive(serde::Deserialize)]
/// struct City {
///     name: String,
///     population: u64,
/// }
///
/// async fn cities<F: FileSystem>(fs: F, ctx: &PipelineContext) -> Result<Vec<City>, Box<dyn std::error::Error>> {
///     let read = ReadCsv::<City, _>::new("read cities", fs).on_failure(FailurePolicy::Skip);
///     Ok(Pipeline::new(read).run(vec!["cities.csv"], ctx).await?)
/// }
/// ```
pub struct ReadCsv<T, F> {
    name: String,
    fs: F,
    has_headers: bool,
    delimiter: u8,
    policy: FailurePolicy,
    record: PhantomData<fn() -> T>,
}

impl<T, F> ReadCsv<T, F> {
    /// A step named `name` reading through `fs`: comma-separated, with a header row, and
    /// [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, fs: F) -> Self {
        Self {
            name: name.into(),
            fs,
            has_headers: true,
            delimiter: b',',
            policy: FailurePolicy::FailRun,
            record: PhantomData,
        }
    }

    /// Whether the first row is a header (the default) or a record.
    #[must_use]
    pub fn has_headers(mut self, yes: bool) -> Self {
        self.has_headers = yes;
        self
    }

    /// The field delimiter (`b','` by default; `b'\t'` for TSV).
    #[must_use]
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Sets what happens to malformed rows.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<T, F> fmt::Debug for ReadCsv<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadCsv")
            .field("name", &self.name)
            .field("has_headers", &self.has_headers)
            .field("delimiter", &char::from(self.delimiter))
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<P, T, F> Step<P> for ReadCsv<T, F>
where
    P: AsRef<Path> + Send + Sync,
    T: DeserializeOwned + Send,
    F: FileSystem,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    async fn run(&self, input: Vec<P>, step: &StepRecorder<'_>) -> Result<Vec<T>, PipelineError> {
        read_files(&self.fs, &input, step, |bytes, path, records| {
            self.parse(bytes, path, step, records)
        })
        .await
    }
}

impl<T: DeserializeOwned, F> ReadCsv<T, F> {
    fn parse(
        &self,
        bytes: &[u8],
        path: &Path,
        step: &StepRecorder<'_>,
        records: &mut Vec<T>,
    ) -> Result<(), PipelineError> {
        // Flexible, so that a row with the wrong number of fields comes back as a row (with
        // its text, for the dead-letter list) and the check below reports it.
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(self.has_headers)
            .delimiter(self.delimiter)
            .flexible(true)
            .from_reader(bytes);
        let headers = if self.has_headers {
            let headers = reader.byte_headers().map_err(|source| {
                step.step_error(CsvHeaderError {
                    path: path.to_owned(),
                    source,
                })
            })?;
            Some(headers.clone())
        } else {
            None
        };
        let mut expected = headers.as_ref().map(::csv::ByteRecord::len);
        let mut row = ::csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    // Reading from memory, only a malformed row gets here; the reader has
                    // moved past it, so the next call reads the next row.
                    step.received(1);
                    let line = error.position().map_or(0, |at| line_of(bytes, at));
                    let failure =
                        self.row_error(path, line, CsvRowErrorKind::Record(error.to_string()));
                    self.fail(step, failure, None)?;
                    if error.position().is_none() {
                        break;
                    }
                    continue;
                }
            }
            step.received(1);
            let line = row.position().map_or(0, |at| line_of(bytes, at));
            let expected = *expected.get_or_insert(row.len());
            if row.len() != expected {
                let kind = CsvRowErrorKind::FieldCount {
                    expected,
                    found: row.len(),
                };
                self.fail(step, self.row_error(path, line, kind), Some(&row))?;
                continue;
            }
            match row.deserialize::<T>(headers.as_ref()) {
                Ok(record) => {
                    records.push(record);
                    step.succeeded(1);
                }
                Err(error) => {
                    let kind = field_error(&error, headers.as_ref());
                    self.fail(step, self.row_error(path, line, kind), Some(&row))?;
                }
            }
        }
        Ok(())
    }

    fn row_error(&self, path: &Path, line: u64, kind: CsvRowErrorKind) -> CsvRowError {
        CsvRowError {
            path: path.to_owned(),
            line,
            kind,
        }
    }

    fn fail(
        &self,
        step: &StepRecorder<'_>,
        error: CsvRowError,
        row: Option<&::csv::ByteRecord>,
    ) -> Result<(), PipelineError> {
        let (path, line, delimiter) = (error.path.clone(), error.line, self.delimiter);
        fail_line(step, self.policy, &path, line, Arc::new(error), || {
            row.map(|row| row_text(row, delimiter))
        })
    }
}

/// The line a row starts on.
///
/// The csv crate gives the position where it started reading, which is before any blank
/// lines it skipped on the way to the row; the blank lines are counted here.
fn line_of(bytes: &[u8], at: &::csv::Position) -> u64 {
    let start = usize::try_from(at.byte()).unwrap_or(usize::MAX);
    let skipped = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&byte| byte == b'\n' || byte == b'\r')
        .filter(|&&byte| byte == b'\n')
        .count();
    at.line() + skipped as u64
}

/// The row's fields joined by the delimiter: its text, give or take quoting.
fn row_text(row: &::csv::ByteRecord, delimiter: u8) -> String {
    let fields: Vec<_> = row.iter().map(String::from_utf8_lossy).collect();
    fields.join(char::from(delimiter).encode_utf8(&mut [0; 4]))
}

fn field_error(error: &::csv::Error, headers: Option<&::csv::ByteRecord>) -> CsvRowErrorKind {
    match error.kind() {
        ::csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(index) => {
                let name = usize::try_from(index)
                    .ok()
                    .and_then(|index| headers.and_then(|headers| headers.get(index)))
                    .map(|name| String::from_utf8_lossy(name).into_owned());
                CsvRowErrorKind::Field {
                    field: name.unwrap_or_else(|| (index + 1).to_string()),
                    message: err.kind().to_string(),
                }
            }
            None => CsvRowErrorKind::Record(err.kind().to_string()),
        },
        _ => CsvRowErrorKind::Record(error.to_string()),
    }
}
