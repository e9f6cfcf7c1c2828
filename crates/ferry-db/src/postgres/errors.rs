//! tokio-postgres's errors as [`DbError`]s, without the parts that can quote values.

use tokio_postgres::error::SqlState;

use crate::error::{DbError, DbErrorKind};

/// `error` as a [`DbError`] of `label`.
///
/// A server error keeps its severity, primary message and SQLSTATE, never its `DETAIL`
/// (which quotes key values: `Key (id)=(5) already exists`).
pub(super) fn pg_error(label: &str, error: &tokio_postgres::Error) -> DbError {
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        let class = &code.code()[..2];
        let kind = match class {
            "23" => DbErrorKind::Constraint,
            "22" => DbErrorKind::Data,
            "08" => DbErrorKind::Connection,
            "40" => DbErrorKind::Busy,
            _ if *code == SqlState::QUERY_CANCELED => DbErrorKind::Timeout,
            _ if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW =>
            {
                DbErrorKind::Connection
            }
            _ => DbErrorKind::Query,
        };
        let message = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            code.code()
        );
        return DbError::new(label, kind, message)
            .with_constraint(db.constraint().map(str::to_owned));
    }
    let text = error.to_string();
    let kind = if error.is_closed()
        || std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>())
    {
        DbErrorKind::Connection
    } else if text.starts_with("error serializing parameter") {
        DbErrorKind::Data
    } else {
        DbErrorKind::Query
    };
    // tokio-postgres's own messages name parameters and columns by index and type, and the
    // serialization errors are ferry-db's, which name no value.
    let message = match std::error::Error::source(error) {
        Some(source) => format!("{text}: {source}"),
        None => text,
    };
    DbError::new(label, kind, message)
}
