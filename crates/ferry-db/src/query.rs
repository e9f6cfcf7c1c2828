//! [`Query`] (SQL with parameters) and [`Write`] (where a sink writes records, and how).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ferry_core::{Deadline, Timer};

use crate::value::Value;

/// A statement and its parameters.
///
/// Parameters are written `$1`, `$2`, ... in the SQL text on every database (SQLite also
/// accepts its own `?` and `?N`). Give a query a [`name`](Self::name) to have errors say it
/// instead of the start of the SQL text.
///
/// ```
/// use std::time::Duration;
/// use ferry_db::Query;
///
/// let query = Query::new("SELECT name FROM items WHERE id = $1 AND price < $2")
///     .bind(7)
///     .bind(9.5)
///     .name("item by id")
///     .timeout(Duration::from_secs(2));
/// assert_eq!(query.label(), "item by id");
/// assert_eq!(query.params().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Query {
    sql: Arc<str>,
    params: Vec<Value>,
    name: Option<Arc<str>>,
    timeout: Option<Duration>,
}

impl Query {
    /// A query of `sql` with no parameters yet.
    pub fn new(sql: impl Into<Arc<str>>) -> Self {
        Self {
            sql: sql.into(),
            params: Vec::new(),
            name: None,
            timeout: None,
        }
    }

    /// Adds the next parameter.
    #[must_use]
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.params.push(value.into());
        self
    }

    /// Adds parameters in order.
    #[must_use]
    pub fn bind_all<V: Into<Value>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.params.extend(values.into_iter().map(Into::into));
        self
    }

    /// Names the query for errors.
    #[must_use]
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the statement timeout for this query (instead of the database's default). On
    /// expiry the statement is cancelled in the database and the call fails with
    /// [`DbErrorKind::Timeout`](crate::DbErrorKind::Timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the statement timeout to what is left of `deadline`, so that the query shares
    /// a budget with the rest of an operation.
    #[must_use]
    pub fn within<T: Timer>(self, deadline: &Deadline<T>) -> Self {
        self.timeout(deadline.remaining())
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters.
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    /// The query's own timeout, if it has one.
    pub fn own_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// What errors call the query: its name, or its SQL text squashed to one line and cut at
    /// 60 characters.
    pub fn label(&self) -> Cow<'_, str> {
        match &self.name {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(sql_label(&self.sql)),
        }
    }
}

impl From<&str> for Query {
    fn from(sql: &str) -> Self {
        Self::new(sql)
    }
}

impl From<String> for Query {
    fn from(sql: String) -> Self {
        Self::new(sql)
    }
}

pub(crate) fn sql_label(sql: &str) -> String {
    const MAX: usize = 60;
    let squashed: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match squashed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &squashed[..cut]),
        None => squashed,
    }
}

/// How a [`Write`] treats a record whose key is already in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteMode {
    /// A plain `INSERT`: an existing key is a constraint violation of that record.
    Insert,
    /// `INSERT ... ON CONFLICT (key) DO UPDATE`: the record replaces the row with its key,
    /// so writing it again (a re-run, a redelivered item) leaves it once.
    Upsert {
        /// The key columns (a primary key or unique constraint on exactly them).
        key: Vec<String>,
    },
    /// `INSERT ... ON CONFLICT (key) DO NOTHING`: the first write of a key wins.
    InsertOrIgnore {
        /// The key columns.
        key: Vec<String>,
    },
}

/// Where a batch of records goes: a table, and what to do with existing keys.
///
/// The columns are the records' serde fields ([`crate::row::to_values`]); the SQL is built
/// once per batch with quoted identifiers.
///
/// ```
/// use ferry_db::Write;
///
/// let write = Write::upsert("items", ["id"]);
/// assert_eq!(
///     write.sql(&["id", "name"], ferry_db::Placeholder::Dollar),
///     r#"INSERT INTO "items" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name""#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    table: String,
    mode: WriteMode,
}

/// How a database writes parameter placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `$1`, `$2`, ... (PostgreSQL).
    Dollar,
    /// `?1`, `?2`, ... (SQLite).
    Question,
}

impl Write {
    /// Plain inserts into `table`.
    pub fn insert(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            mode: WriteMode::Insert,
        }
    }

    /// Upserts into `table` on the `key` columns: idempotent re-runs.
    pub fn upsert<K: Into<String>>(
        table: impl Into<String>,
        key: impl IntoIterator<Item = K>,
    ) -> Self {
        Self {
            table: table.into(),
            mode: WriteMode::Upsert {
                key: key.into_iter().map(Into::into).collect(),
            },
        }
    }

    /// Inserts into `table`, ignoring records whose `key` is already there.
    pub fn insert_or_ignore<K: Into<String>>(
        table: impl Into<String>,
        key: impl IntoIterator<Item = K>,
    ) -> Self {
        Self {
            table: table.into(),
            mode: WriteMode::InsertOrIgnore {
                key: key.into_iter().map(Into::into).collect(),
            },
        }
    }

    /// The table.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The mode.
    pub fn mode(&self) -> &WriteMode {
        &self.mode
    }

    /// What errors call this write.
    pub fn label(&self) -> String {
        let verb = match self.mode {
            WriteMode::Insert => "insert into",
            WriteMode::Upsert { .. } => "upsert into",
            WriteMode::InsertOrIgnore { .. } => "insert-or-ignore into",
        };
        format!("{verb} {}", self.table)
    }

    /// The statement that writes one record with these `columns`.
    pub fn sql<C: AsRef<str>>(&self, columns: &[C], placeholder: Placeholder) -> String {
        let names: Vec<String> = columns.iter().map(|c| quote(c.as_ref())).collect();
        let marks: Vec<String> = (1..=columns.len())
            .map(|n| match placeholder {
                Placeholder::Dollar => format!("${n}"),
                Placeholder::Question => format!("?{n}"),
            })
            .collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(&self.table),
            names.join(", "),
            marks.join(", ")
        );
        match &self.mode {
            WriteMode::Insert => {}
            WriteMode::Upsert { key } | WriteMode::InsertOrIgnore { key } => {
                let key_list: Vec<String> = key.iter().map(|k| quote(k)).collect();
                let updates: Vec<String> = columns
                    .iter()
                    .map(AsRef::as_ref)
                    .filter(|column| !key.iter().any(|k| k == column))
                    .map(|column| format!("{0} = excluded.{0}", quote(column)))
                    .collect();
                let upsert = matches!(self.mode, WriteMode::Upsert { .. });
                if upsert && !updates.is_empty() {
                    sql.push_str(&format!(
                        " ON CONFLICT ({}) DO UPDATE SET {}",
                        key_list.join(", "),
                        updates.join(", ")
                    ));
                } else {
                    sql.push_str(&format!(
                        " ON CONFLICT ({}) DO NOTHING",
                        key_list.join(", ")
                    ));
                }
            }
        }
        sql
    }
}

/// A double-quoted SQL identifier (quotes inside doubled), the same on SQLite and PostgreSQL.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
