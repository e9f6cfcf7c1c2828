//! The [`Database`] interface on any database and runtime: serde records in and out,
//! parameters, streams, batched writes with per-record failures, upserts, and the pipeline
//! steps over them, including a run stopped mid-way and run again.
//!
//! Each case gets a [`DbEnv`] with a fresh, empty database (SQLite in memory or in a file,
//! a PostgreSQL database of its own) and creates the tables it uses. Run them with
//! [`db_suite!`](crate::db_suite).

mod steps;

pub use steps::*;

use ferry_db::{Database, DatabaseExt, DbErrorKind, Query, Write};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::runtime::TestRuntime;

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! db_suite {
    ($with_db:path) => {
        $crate::__suite!(
            $with_db,
            db,
            [
                records_round_trip_through_serde,
                parameters_bind_by_number,
                upsert_leaves_each_key_once_with_the_last_values,
                a_constraint_violation_fails_only_its_record,
                stream_yields_every_row_in_order,
                errors_name_the_query_and_never_a_parameter,
                rows_that_do_not_fit_name_the_column,
                sink_step_dead_letters_rejected_records_and_commits_the_rest,
                source_step_reads_rows_and_skips_misfits,
                rerun_after_a_crash_mid_run_leaves_each_record_once,
                rerun_after_a_fault_mid_stream_leaves_each_record_once,
            ]
        );
    };
}

/// What a case gets: the runtime and a fresh database on it.
#[derive(Debug, Clone)]
pub struct DbEnv<R, D> {
    /// The runtime.
    pub rt: R,
    /// An empty database for this case alone.
    pub db: D,
}

/// The tables a case can ask for, created with SQL both SQLite and PostgreSQL accept.
pub(crate) async fn items_table<D: Database>(db: &D, table: &str) {
    db.execute_script(&format!(
        "CREATE TABLE {table} (
            id BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            price DOUBLE PRECISION NOT NULL CHECK (price >= 0),
            in_stock BOOLEAN NOT NULL,
            tags TEXT,
            note TEXT
        )"
    ))
    .await
    .unwrap_or_else(|error| panic!("create {table}: {error}"));
}

/// A record with every kind of field the mapping handles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Item {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) price: f64,
    pub(crate) in_stock: bool,
    pub(crate) tags: Vec<String>,
    pub(crate) note: Option<String>,
}

pub(crate) fn item(id: i64) -> Item {
    Item {
        id,
        name: format!("item {id}"),
        price: id as f64 * 1.25,
        in_stock: id % 2 == 0,
        tags: (0..id % 3).map(|tag| format!("t{tag}")).collect(),
        note: (id % 4 == 0).then(|| format!("note {id}")),
    }
}

/// Items written with an upsert come back equal, field by field: integers, text, floats,
/// booleans (integers in SQLite), a `Vec` as JSON text, `None` as `NULL`.
pub async fn records_round_trip_through_serde<R: TestRuntime, D: Database>(env: DbEnv<R, D>) {
    items_table(&env.db, "round_trip").await;
    let items: Vec<Item> = (1..=12).map(item).collect();
    let report = env
        .db
        .write(&Write::upsert("round_trip", ["id"]), &items)
        .await
        .expect("write");
    assert_eq!(report.written, 12);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let back: Vec<Item> = env
        .db
        .fetch_all(Query::new("SELECT * FROM round_trip ORDER BY id"))
        .await
        .expect("read back");
    assert_eq!(back, items);
    let none: Option<Item> = env
        .db
        .fetch_optional(Query::new("SELECT * FROM round_trip WHERE id = $1").bind(99))
        .await
        .expect("read none");
    assert_eq!(none, None);
}

/// `$1`, `$2`, ... bind by number, even when the text uses them out of order or twice.
pub async fn parameters_bind_by_number<R: TestRuntime, D: Database>(env: DbEnv<R, D>) {
    env.db
        .execute_script("CREATE TABLE pairs (a BIGINT, b TEXT)")
        .await
        .expect("create");
    let changed = env
        .db
        .execute(
            Query::new("INSERT INTO pairs (b, a) VALUES ($2, $1), ($2, $1 + 1)")
                .bind(10)
                .bind("ten"),
        )
        .await
        .expect("insert");
    assert_eq!(changed, 2);
    let rows: Vec<(i64, String)> = env
        .db
        .fetch_all(Query::new("SELECT a, b FROM pairs WHERE b = $1 ORDER BY a").bind("ten"))
        .await
        .expect("select");
    assert_eq!(rows, [(10, "ten".to_owned()), (11, "ten".to_owned())]);
}

/// Writing the same keys again with an upsert leaves one row per key, holding the second
/// write's values; insert-or-ignore keeps the first.
pub async fn upsert_leaves_each_key_once_with_the_last_values<R: TestRuntime, D: Database>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "upserts").await;
    let first: Vec<Item> = (1..=20).map(item).collect();
    let upsert = Write::upsert("upserts", ["id"]);
    env.db.write(&upsert, &first).await.expect("first write");
    let second: Vec<Item> = (11..=30)
        .map(|id| Item {
            name: format!("renamed {id}"),
            ..item(id)
        })
        .collect();
    let report = env.db.write(&upsert, &second).await.expect("second write");
    assert_eq!((report.written, report.failed.len()), (20, 0));
    let counts: Vec<(i64, i64)> = env
        .db
        .fetch_all(Query::new(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM upserts",
        ))
        .await
        .expect("count");
    assert_eq!(counts, [(30, 30)]);
    let renamed: Vec<(i64,)> = env
        .db
        .fetch_all(Query::new(
            "SELECT COUNT(*) FROM upserts WHERE name LIKE 'renamed %'",
        ))
        .await
        .expect("count renamed");
    assert_eq!(renamed, [(20,)]);
    let ignore = Write::insert_or_ignore("upserts", ["id"]);
    let report = env
        .db
        .write(
            &ignore,
            &[Item {
                name: "ignored".into(),
                ..item(1)
            }],
        )
        .await
        .expect("insert or ignore");
    assert!(report.failed.is_empty());
    let name: Option<(String,)> = env
        .db
        .fetch_optional(Query::new("SELECT name FROM upserts WHERE id = 1"))
        .await
        .expect("select");
    assert_eq!(name, Some(("item 1".to_owned(),)));
}

/// A batch of 10 with a negative price (a CHECK) at index 3 and a duplicate key (plain
/// insert) at index 7: those two fail as constraint violations at their index, the other 8
/// commit.
pub async fn a_constraint_violation_fails_only_its_record<R: TestRuntime, D: Database>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "checked").await;
    let mut batch: Vec<Item> = (1..=10).map(item).collect();
    batch[3].price = -1.0;
    batch[7].id = batch[0].id;
    let report = env
        .db
        .write(&Write::insert("checked"), &batch)
        .await
        .expect("the batch as a whole goes through");
    assert_eq!(report.written, 8);
    let failed: Vec<usize> = report.failed.iter().map(|(index, _)| *index).collect();
    assert_eq!(failed, [3, 7]);
    for (index, error) in &report.failed {
        assert_eq!(error.kind(), DbErrorKind::Constraint, "{error}");
        assert_eq!(error.record(), Some(*index));
    }
    let ids: Vec<(i64,)> = env
        .db
        .fetch_all(Query::new("SELECT id FROM checked ORDER BY id"))
        .await
        .expect("select");
    let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
    assert_eq!(ids, [1, 2, 3, 5, 6, 7, 9, 10]);
}

/// 2,000 rows come out of a stream in key order, each once.
pub async fn stream_yields_every_row_in_order<R: TestRuntime, D: Database>(env: DbEnv<R, D>) {
    items_table(&env.db, "streamed").await;
    let items: Vec<Item> = (1..=2000).map(item).collect();
    let upsert = Write::upsert("streamed", ["id"]);
    for chunk in items.chunks(500) {
        env.db.write(&upsert, chunk).await.expect("write");
    }
    let mut rows = env
        .db
        .stream::<Item>(Query::new("SELECT * FROM streamed WHERE id >= $1 ORDER BY id").bind(1));
    let mut expected = 1;
    while let Some(row) = rows.next().await {
        let row = row.expect("row");
        assert_eq!(row, item(expected));
        expected += 1;
    }
    assert_eq!(expected, 2001);
}

/// A syntax error names the query; a constraint error on a record whose text field holds a
/// secret never shows the secret; a named query's errors use its name.
pub async fn errors_name_the_query_and_never_a_parameter<R: TestRuntime, D: Database>(
    env: DbEnv<R, D>,
) {
    let error = env
        .db
        .execute(Query::new("SELEKT 1"))
        .await
        .expect_err("not SQL");
    assert_eq!(error.kind(), DbErrorKind::Query, "{error}");
    assert!(error.to_string().contains("SELEKT 1"), "{error}");

    env.db
        .execute_script("CREATE TABLE secrets (token TEXT PRIMARY KEY)")
        .await
        .expect("create");
    let secret = "hunter2-very-secret";
    let insert = Query::new("INSERT INTO secrets (token) VALUES ($1)")
        .bind(secret)
        .name("store token");
    env.db.execute(insert.clone()).await.expect("first insert");
    let error = env.db.execute(insert).await.expect_err("duplicate key");
    assert_eq!(error.kind(), DbErrorKind::Constraint, "{error}");
    assert_eq!(error.query(), "store token");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "the parameter leaked: {shown}");

    let report = env
        .db
        .write(
            &Write::insert("secrets"),
            &[Secret {
                token: secret.into(),
            }],
        )
        .await
        .expect("batch");
    let shown = format!("{:?} {}", report.failed, report.failed[0].1);
    assert!(!shown.contains(secret), "the record leaked: {shown}");
    assert!(shown.contains("insert into secrets"), "{shown}");
}

#[derive(Debug, Serialize)]
struct Secret {
    token: String,
}

/// A row whose column does not fit the record is a mapping error naming the row and the
/// column, without the value.
pub async fn rows_that_do_not_fit_name_the_column<R: TestRuntime, D: Database>(env: DbEnv<R, D>) {
    items_table(&env.db, "misfits").await;
    env.db
        .write(&Write::upsert("misfits", ["id"]), &[item(1), item(2)])
        .await
        .expect("write");
    #[derive(Debug, Deserialize)]
    struct Wrong {
        #[allow(dead_code)]
        id: i64,
        #[allow(dead_code)]
        name: u32,
    }
    let error = env
        .db
        .fetch_all::<Wrong>(Query::new("SELECT id, name FROM misfits ORDER BY id"))
        .await
        .expect_err("a name is not a number");
    assert_eq!(error.kind(), DbErrorKind::Mapping, "{error}");
    assert_eq!(error.record(), Some(0));
    let shown = error.to_string();
    assert!(shown.contains("column `name`"), "{shown}");
    assert!(!shown.contains("item 1"), "the value leaked: {shown}");
}
