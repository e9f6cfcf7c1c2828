//! [`ReadRows`]: the source step, rows of queries as records.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use ferry_pipeline::{
    DeadRecord, FailurePolicy, PipelineContext, PipelineError, RecordPosition, Step, StepRecorder,
};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::de::DeserializeOwned;

use crate::database::Database;
use crate::error::DbError;
use crate::query::Query;
use crate::row::Row;

/// A source step that runs each [`Query`] it is given and gives back its rows as `T`s, in
/// order.
///
/// Counts are in rows: `in` is every row read, `out` the rows that became records. A row that
/// does not fit `T` fails alone under the step's [`FailurePolicy`], at its index among the
/// rows the step read (dead letters keep the row as a JSON object); a query that fails fails
/// the step ([`PipelineError::Step`]).
///
/// ```
/// use ferry_db::{Database, Query, pipeline::ReadRows, sqlite::Sqlite};
/// use ferry_pipeline::{Pipeline, PipelineContext};
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Item { id: i64, name: String }
///
/// let names = ferry_mock::run(9, |rt| async move {
///     let db = Sqlite::open_in_memory(rt.clone()).await?;
///     db.execute_script("CREATE TABLE items (id INTEGER, name TEXT); INSERT INTO items VALUES (1, 'lamp'), (2, 'desk');").await?;
///     let read = ReadRows::<Item, _>::new("items", db);
///     let ctx = PipelineContext::new(rt);
///     let items = Pipeline::new(read).run(vec![Query::new("SELECT id, name FROM items ORDER BY id")], &ctx).await?;
///     Ok::<_, Box<dyn std::error::Error>>(items.into_iter().map(|item| item.name).collect::<Vec<_>>())
/// })?;
/// assert_eq!(names, ["lamp", "desk"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ReadRows<T, D> {
    name: String,
    db: D,
    policy: FailurePolicy,
    record: PhantomData<fn() -> T>,
}

impl<T, D> fmt::Debug for ReadRows<T, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadRows")
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send, D: Database> ReadRows<T, D> {
    /// A step named `name` reading from `db`, with [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, db: D) -> Self {
        Self {
            name: name.into(),
            db,
            policy: FailurePolicy::FailRun,
            record: PhantomData,
        }
    }

    /// Sets what happens to rows that do not fit `T`.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Counts one row read at `index` and maps it: `Ok(None)` if it failed and the policy
    /// leaves it out.
    fn take_row(
        &self,
        row: Result<Row, DbError>,
        index: usize,
        step: &StepRecorder<'_>,
    ) -> Result<Option<T>, PipelineError> {
        let row = row.map_err(|error| step.step_error(error))?;
        step.received(1);
        let copy = (self.policy == FailurePolicy::DeadLetter).then(|| row.to_json());
        match row.into_record::<T>() {
            Ok(record) => {
                step.succeeded(1);
                Ok(Some(record))
            }
            Err(error) => {
                let error = DbError::mapping(self.name.as_str(), &error).for_record(index);
                step.failed(
                    self.policy,
                    RecordPosition::Index(index),
                    Arc::new(error),
                    || copy.map(DeadRecord::Json),
                )?;
                Ok(None)
            }
        }
    }

    /// The streaming form: the rows of `query` as records, as they come. Counts go to a new
    /// step of `ctx` with this step's name, finished when the stream ends.
    ///
    /// Rows that fail under [`FailurePolicy::Skip`] or [`FailurePolicy::DeadLetter`] are
    /// left out; under [`FailurePolicy::FailRun`], and when the query fails, the stream yields
    /// the error and ends.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream drops the query (a PostgreSQL connection read half-way is closed,
    /// not reused); the step shows as not finished.
    pub fn stream<'a>(
        &'a self,
        query: Query,
        ctx: &'a PipelineContext,
    ) -> impl Stream<Item = Result<T, PipelineError>> + Send + 'a
    where
        T: 'a,
    {
        let step = ctx.begin_step(&self.name);
        let rows: BoxStream<'static, Result<Row, DbError>> = self.db.stream_rows(query);
        futures_util::stream::unfold(Some((rows.enumerate(), step)), move |state| async move {
            let (mut rows, step) = state?;
            loop {
                match rows.next().await {
                    None => {
                        step.finish();
                        return None;
                    }
                    Some((index, row)) => match self.take_row(row, index, &step) {
                        Ok(Some(record)) => return Some((Ok(record), Some((rows, step)))),
                        Ok(None) => {}
                        Err(stop) => {
                            step.finish();
                            return Some((Err(stop), None));
                        }
                    },
                }
            }
        })
    }
}

impl<T, D> Step<Query> for ReadRows<T, D>
where
    T: DeserializeOwned + Send,
    D: Database,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    async fn run(
        &self,
        input: Vec<Query>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<T>, PipelineError> {
        let mut records = Vec::new();
        let mut index = 0;
        for query in input {
            let mut rows = self.db.stream_rows(query);
            while let Some(row) = rows.next().await {
                if let Some(record) = self.take_row(row, index, step)? {
                    records.push(record);
                }
                index += 1;
            }
        }
        Ok(records)
    }
}
