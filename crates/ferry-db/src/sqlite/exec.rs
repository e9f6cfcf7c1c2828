//! What runs on the blocking pool: binding values, reading rows, writing batches, and turning
//! rusqlite's errors into [`DbError`]s.

use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, Statement};

use crate::database::{RowBatch, WriteReport};
use crate::error::{DbError, DbErrorKind};
use crate::query::{Placeholder, Query, Write};
use crate::row::Row;
use crate::value::Value;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Bool(value) => ValueRef::Integer(i64::from(*value)),
            Value::Int(value) => ValueRef::Integer(*value),
            Value::Float(value) => ValueRef::Real(*value),
            Value::Text(value) => ValueRef::Text(value.as_bytes()),
            Value::Bytes(value) => ValueRef::Blob(value),
        }))
    }
}

fn value_of(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(value) => Value::Int(value),
        ValueRef::Real(value) => Value::Float(value),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::Bytes(bytes.to_vec()),
    }
}

/// A rusqlite error as a [`DbError`] of `label`.
pub(super) fn db_error(label: &str, error: &rusqlite::Error) -> DbError {
    let kind = match error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::ConstraintViolation => DbErrorKind::Constraint,
            ErrorCode::TooBig | ErrorCode::TypeMismatch => DbErrorKind::Data,
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => DbErrorKind::Busy,
            ErrorCode::OperationInterrupted => DbErrorKind::Timeout,
            ErrorCode::CannotOpen | ErrorCode::SystemIoFailure | ErrorCode::NotADatabase => {
                DbErrorKind::Connection
            }
            _ => DbErrorKind::Query,
        },
        rusqlite::Error::InvalidParameterCount(..) | rusqlite::Error::InvalidParameterName(_) => {
            DbErrorKind::Query
        }
        _ => DbErrorKind::Query,
    };
    let message = match kind {
        DbErrorKind::Timeout => "interrupted at its deadline".to_owned(),
        _ => error.to_string(),
    };
    DbError::new(label, kind, message)
}

/// Binds `params` to `statement`: `$N` (and `?N`) by number, `?` in order.
fn bind(statement: &mut Statement<'_>, params: &[Value]) -> rusqlite::Result<()> {
    let expected = statement.parameter_count();
    if expected != params.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            params.len(),
            expected,
        ));
    }
    for (offset, value) in params.iter().enumerate() {
        let number = offset + 1;
        let index = statement
            .parameter_index(&format!("${number}"))?
            .unwrap_or(number);
        statement.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

pub(super) fn execute(conn: &Connection, query: &Query) -> Result<u64, DbError> {
    let label = query.label();
    let run = || -> rusqlite::Result<u64> {
        let mut statement = conn.prepare_cached(query.sql())?;
        bind(&mut statement, query.params())?;
        Ok(statement.raw_execute()? as u64)
    };
    run().map_err(|error| db_error(&label, &error))
}

pub(super) fn execute_script(conn: &Connection, sql: &str) -> Result<(), DbError> {
    conn.execute_batch(sql)
        .map_err(|error| db_error(&crate::query::sql_label(sql), &error))
}

pub(super) fn fetch(conn: &Connection, query: &Query) -> Result<Vec<Row>, DbError> {
    let label = query.label();
    let run = || -> rusqlite::Result<Vec<Row>> {
        let mut statement = conn.prepare_cached(query.sql())?;
        bind(&mut statement, query.params())?;
        let columns: Arc<[String]> = statement
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let width = columns.len();
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(width);
            for index in 0..width {
                values.push(value_of(row.get_ref(index)?));
            }
            out.push(Row::new(Arc::clone(&columns), values));
        }
        Ok(out)
    };
    run().map_err(|error| db_error(&label, &error))
}

/// Writes `batch` in one `BEGIN IMMEDIATE` transaction. SQLite undoes only the failing
/// statement on a constraint violation and keeps the transaction, so a rejected record is
/// reported and the others go on without savepoints.
pub(super) fn write(
    conn: &Connection,
    write: &Write,
    batch: &RowBatch,
) -> Result<WriteReport, DbError> {
    let label = write.label();
    let fail = |error: rusqlite::Error| db_error(&label, &error);
    let sql = write.sql(&batch.columns, Placeholder::Question);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
    let outcome = (|| {
        let mut statement = conn.prepare_cached(&sql).map_err(fail)?;
        let mut report = WriteReport::default();
        for (index, values) in &batch.rows {
            let result = values
                .iter()
                .enumerate()
                .try_for_each(|(offset, value)| statement.raw_bind_parameter(offset + 1, value))
                .and_then(|()| statement.raw_execute());
            match result {
                Ok(_) => report.written += 1,
                Err(error) => {
                    let error = fail(error);
                    if error.kind().is_per_record() {
                        report.failed.push((*index, error.for_record(*index)));
                    } else {
                        return Err(error);
                    }
                }
            }
        }
        Ok(report)
    })();
    match outcome {
        Ok(report) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(report),
            Err(error) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(fail(error))
            }
        },
        Err(error) => {
            // The batch fails as a whole; leave no transaction open for the next caller.
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}
