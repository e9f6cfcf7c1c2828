//! [`DbError`]: what failed, in which query, for which record; never with parameter values.

use std::fmt;

use ferry_core::retry::Retryable;

use crate::row::MappingError;

/// What kind of failure a [`DbError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A constraint rejected a record (unique, primary key, check, not null, foreign key).
    Constraint,
    /// A record's value does not fit its column (out of range, wrong type).
    Data,
    /// A record could not become parameters, or a row could not become a record.
    Mapping,
    /// The connection failed, was closed, or could not be made: worth another try.
    Connection,
    /// The database was busy (locked, a serialization failure, a deadlock): worth another try.
    Busy,
    /// The statement ran past its timeout and was cancelled.
    Timeout,
    /// The statement itself is wrong (syntax, a missing table), or anything else.
    Query,
}

impl DbErrorKind {
    /// Whether this kind of failure belongs to one record (the rest of its batch can go on).
    pub fn is_per_record(self) -> bool {
        matches!(self, Self::Constraint | Self::Data | Self::Mapping)
    }
}

impl fmt::Display for DbErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Constraint => "constraint violation",
            Self::Data => "invalid value",
            Self::Mapping => "record mapping",
            Self::Connection => "connection failure",
            Self::Busy => "database busy",
            Self::Timeout => "statement timeout",
            Self::Query => "query failed",
        })
    }
}

/// A failed database operation: which query (its name, or the start of its SQL text), which
/// record of a batch (if one), what kind of failure and the database's message.
///
/// Parameter values are never part of it: the message is the database's own (SQLite's text,
/// PostgreSQL's primary message and SQLSTATE, without the `DETAIL` that can quote a key's
/// value), and mapping errors name columns and types only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query `{query}`{}: {kind}: {message}", record_text(*.record))]
pub struct DbError {
    query: String,
    record: Option<usize>,
    kind: DbErrorKind,
    message: String,
    constraint: Option<String>,
}

fn record_text(record: Option<usize>) -> String {
    record.map_or_else(String::new, |index| format!(", record #{index}"))
}

impl DbError {
    /// An error of `kind` in `query` with the database's `message`.
    pub fn new(query: impl Into<String>, kind: DbErrorKind, message: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            record: None,
            kind,
            message: message.into(),
            constraint: None,
        }
    }

    /// The same error, for the record at `index` of its batch.
    #[must_use]
    pub fn for_record(mut self, index: usize) -> Self {
        self.record = Some(index);
        self
    }

    /// The same error, naming the constraint that failed.
    #[must_use]
    pub fn with_constraint(mut self, constraint: Option<String>) -> Self {
        self.constraint = constraint;
        self
    }

    /// A record that could not become parameters, or a row that could not become a record.
    pub fn mapping(query: impl Into<String>, error: &MappingError) -> Self {
        Self::new(query, DbErrorKind::Mapping, error.to_string())
    }

    /// The query's name, or the start of its SQL text.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The index of the failed record in its batch, when one record failed.
    pub fn record(&self) -> Option<usize> {
        self.record
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> DbErrorKind {
        self.kind
    }

    /// The database's message (no parameter values).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The name of the constraint that failed, when the database says (PostgreSQL does).
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// Whether a constraint rejected a record.
    pub fn is_constraint(&self) -> bool {
        self.kind == DbErrorKind::Constraint
    }

    /// Whether the connection failed.
    pub fn is_connection(&self) -> bool {
        self.kind == DbErrorKind::Connection
    }

    /// Whether the statement timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == DbErrorKind::Timeout
    }
}

/// Connection failures and a busy database are worth another try; everything else fails the
/// same way again.
impl Retryable for DbError {
    fn is_retryable(&self) -> bool {
        matches!(self.kind, DbErrorKind::Connection | DbErrorKind::Busy)
    }
}
