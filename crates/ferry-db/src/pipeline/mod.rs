//! Pipeline steps over a [`Database`](crate::Database): [`ReadRows`], a source that runs
//! queries and maps their rows to records, and [`WriteRows`], a sink that writes records in
//! batched transactions.
//!
//! Both count into the run's [`PipelineContext`](ferry_pipeline::PipelineContext) like
//! ferry's other steps, and apply their [`FailurePolicy`](ferry_pipeline::FailurePolicy) to
//! records one by one: a row that does not map, or a record that a constraint rejects, is
//! failed, skipped or dead-lettered (with a JSON copy) on its own, and the rest of its batch
//! commits. For every finished step, `in == out + failed`.

mod sink;
mod source;

pub use sink::{DEFAULT_BATCH_SIZE, WriteRows};
pub use source::ReadRows;
