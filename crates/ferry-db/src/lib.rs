//! Databases in ferry pipelines: SQLite as the embedded default, PostgreSQL for real
//! deployments, on every ferry backend.
//!
//! - [`Database`] is the small interface pipeline steps and user code share: run a statement
//!   with parameters ([`Query`]), read rows at once or as a stream, write a batch of records in
//!   one transaction ([`Write`]: insert, upsert for idempotent re-runs, insert-or-ignore) with
//!   rejected records reported one by one ([`WriteReport`]). [`DatabaseExt`] adds serde
//!   records on top ([`row`]).
//! - [`sqlite::Sqlite`] (feature `sqlite`, on by default): rusqlite with SQLite compiled in,
//!   on the runtime's blocking pool; in memory on the mock backend.
//! - [`postgres::Postgres`] (feature `postgres`, on by default): tokio-postgres driven over a
//!   socket the caller's runtime opens, with a pool, statement timeouts that cancel in the
//!   server, and retries of dropped connections.
//! - [`pipeline`]: source and sink steps ([`pipeline::ReadRows`], [`pipeline::WriteRows`]).
//!
//! Errors ([`DbError`]) say which query and which record failed, and never print parameter
//! values.

mod database;
mod error;
pub mod pipeline;
mod query;
pub mod row;
mod value;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use database::{Database, DatabaseExt, RowBatch, WriteReport};
pub use error::{DbError, DbErrorKind};
pub use query::{Placeholder, Query, Write, WriteMode, quote};
pub use row::{MappingError, Row};
pub use value::Value;
