//! [`Database`]: the small interface pipeline steps and user code share, and
//! [`DatabaseExt`], its typed helpers over serde records.

use std::borrow::Cow;
use std::future::Future;

use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::DbError;
use crate::query::{Query, Write};
use crate::row::{MappingError, Row, to_values};
use crate::value::Value;

/// The records of one batch as columns and values: what [`Database::write_rows`] takes.
#[derive(Debug, Clone, Default)]
pub struct RowBatch {
    /// The column names, shared by every record.
    pub columns: Vec<Cow<'static, str>>,
    /// Each record's index in the caller's batch and its values, in column order.
    pub rows: Vec<(usize, Vec<Value>)>,
}

impl RowBatch {
    /// Serializes `records` with serde. Records that do not serialize, or whose fields differ
    /// from the first record's, come back as failures at their index; the rest are in the
    /// batch.
    pub fn from_records<T: Serialize>(records: &[T]) -> (Self, Vec<(usize, MappingError)>) {
        let mut batch = Self {
            columns: Vec::new(),
            rows: Vec::with_capacity(records.len()),
        };
        let mut failures = Vec::new();
        for (index, record) in records.iter().enumerate() {
            match to_values(record) {
                Ok((names, values)) => {
                    if batch.rows.is_empty() && batch.columns.is_empty() {
                        batch.columns = names;
                        batch.rows.push((index, values));
                    } else if names == batch.columns {
                        batch.rows.push((index, values));
                    } else {
                        failures.push((
                            index,
                            MappingError::ColumnsDiffer {
                                expected: batch.columns.join(","),
                            },
                        ));
                    }
                }
                Err(error) => failures.push((index, error)),
            }
        }
        (batch, failures)
    }
}

/// What a batch write did: how many records were committed and which ones failed, each with
/// its own error. Every record of the batch is one or the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Records committed (inserted or upserted; ignored duplicates count too).
    pub written: u64,
    /// Records rejected one by one (a constraint, an invalid value, a mapping), by their index
    /// in the batch, in order. The rest of the batch committed without them.
    pub failed: Vec<(usize, DbError)>,
}

/// A database that pipeline steps and user code can query: run a statement, read rows all at
/// once or as a stream, write records in batched transactions.
///
/// Implemented by [`Sqlite`](crate::sqlite::Sqlite) and
/// [`Postgres`](crate::postgres::Postgres); write code once against it (or against
/// [`DatabaseExt`], which adds serde records on top). Handles are cheap to clone and share.
///
/// # Cancel safety
///
/// Dropping any of these futures (or the stream) gives the connection back or closes it; a
/// transaction in progress is rolled back, never left open on a pooled connection. A SQLite
/// statement already running on the blocking pool finishes there (threads cannot be
/// interrupted) and its transaction is rolled back unless it was committing.
pub trait Database: Send + Sync {
    /// Runs a statement and returns the number of rows it changed.
    fn execute(&self, query: Query) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Runs several statements separated by semicolons, without parameters (a schema).
    fn execute_script(&self, sql: &str) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Runs a query and returns all its rows.
    fn fetch_rows(&self, query: Query) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send;

    /// Runs a query and yields its rows as they come.
    fn stream_rows(&self, query: Query) -> BoxStream<'static, Result<Row, DbError>>;

    /// Writes a batch of rows in one transaction per [`Write`]'s mode. A row that a
    /// constraint (or its own values) rejects is reported at its index in
    /// [`WriteReport::failed`] and the others commit.
    ///
    /// # Errors
    ///
    /// A [`DbError`] for the batch as a whole (the connection, a missing table, a timeout):
    /// nothing of the batch was committed.
    fn write_rows(
        &self,
        write: &Write,
        batch: RowBatch,
    ) -> impl Future<Output = Result<WriteReport, DbError>> + Send;
}

/// Serde records over any [`Database`].
///
/// ```
/// use ferry_db::{Database, DatabaseExt, Query, Write, sqlite::Sqlite};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Item { id: i64, name: String }
///
/// ferry_mock::run(1, |rt| async move {
///     let db = Sqlite::open_in_memory(rt).await?;
///     db.execute_script("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").await?;
///     let items = [Item { id: 1, name: "lamp".into() }, Item { id: 2, name: "desk".into() }];
///     let report = db.write(&Write::upsert("items", ["id"]), &items).await?;
///     assert_eq!(report.written, 2);
///     let back: Vec<Item> = db.fetch_all(Query::new("SELECT * FROM items WHERE id > $1").bind(1)).await?;
///     assert_eq!(back, [Item { id: 2, name: "desk".into() }]);
///     Ok::<(), ferry_db::DbError>(())
/// })?;
/// # Ok::<(), ferry_db::DbError>(())
/// ```
pub trait DatabaseExt: Database {
    /// Runs a query and maps every row to a `T`.
    ///
    /// # Errors
    ///
    /// The query's [`DbError`], or a [`Mapping`](crate::DbErrorKind::Mapping) error naming
    /// the row's index and the column that did not fit.
    fn fetch_all<T: DeserializeOwned + Send>(
        &self,
        query: Query,
    ) -> impl Future<Output = Result<Vec<T>, DbError>> + Send {
        let label = query.label().into_owned();
        let rows = self.fetch_rows(query);
        async move {
            let rows = rows.await?;
            rows.into_iter()
                .enumerate()
                .map(|(index, row)| {
                    row.into_record()
                        .map_err(|error| DbError::mapping(label.as_str(), &error).for_record(index))
                })
                .collect()
        }
    }

    /// Runs a query and maps its first row, if any, to a `T`.
    ///
    /// # Errors
    ///
    /// As [`fetch_all`](Self::fetch_all).
    fn fetch_optional<T: DeserializeOwned + Send>(
        &self,
        query: Query,
    ) -> impl Future<Output = Result<Option<T>, DbError>> + Send {
        let label = query.label().into_owned();
        let rows = self.fetch_rows(query);
        async move {
            match rows.await?.into_iter().next() {
                None => Ok(None),
                Some(row) => row
                    .into_record()
                    .map(Some)
                    .map_err(|error| DbError::mapping(label.as_str(), &error).for_record(0)),
            }
        }
    }

    /// Runs a query and yields each row as a `T` as it comes; a row that does not map is an
    /// `Err` in its place and the stream goes on.
    fn stream<T: DeserializeOwned + Send + 'static>(
        &self,
        query: Query,
    ) -> impl Stream<Item = Result<T, DbError>> + Send + 'static {
        let label = query.label().into_owned();
        self.stream_rows(query)
            .enumerate()
            .map(move |(index, row)| {
                row.and_then(|row| {
                    row.into_record()
                        .map_err(|error| DbError::mapping(label.as_str(), &error).for_record(index))
                })
            })
    }

    /// Writes serde records in one transaction (see [`Database::write_rows`]); records that
    /// do not serialize are failures of their own, like rejected ones.
    ///
    /// # Errors
    ///
    /// As [`Database::write_rows`].
    fn write<T: Serialize + Sync>(
        &self,
        write: &Write,
        records: &[T],
    ) -> impl Future<Output = Result<WriteReport, DbError>> + Send {
        let (batch, failures) = RowBatch::from_records(records);
        let label = write.label();
        let written = (!batch.rows.is_empty()).then(|| self.write_rows(write, batch));
        async move {
            let mut report = match written {
                Some(written) => written.await?,
                None => WriteReport::default(),
            };
            if !failures.is_empty() {
                report
                    .failed
                    .extend(failures.into_iter().map(|(index, error)| {
                        (
                            index,
                            DbError::mapping(label.as_str(), &error).for_record(index),
                        )
                    }));
                report.failed.sort_by_key(|(index, _)| *index);
            }
            Ok(report)
        }
    }
}

impl<D: Database + ?Sized> DatabaseExt for D {}
