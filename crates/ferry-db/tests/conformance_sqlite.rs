//! The database conformance cases on SQLite: in a file on tokio and on smol, in memory on
//! the mock backend under two seeds.

use std::future::Future;

use ferry_conformance::db::DbEnv;
use ferry_db::sqlite::Sqlite;

mod tokio_file {
    use super::*;
    use ferry_tokio::TokioRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<TokioRuntime, Sqlite<TokioRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        tokio.block_on(async {
            let rt = TokioRuntime::from_handle(tokio.handle().clone());
            let db = Sqlite::open(rt.clone(), dir.path().join("test.db"))
                .await
                .expect("open");
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}

mod smol_file {
    use super::*;
    use ferry_smol::SmolRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<SmolRuntime, Sqlite<SmolRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("test.db");
        ferry_smol::block_on(|rt| async move {
            let db = Sqlite::open(rt.clone(), path).await.expect("open");
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}

mod mock_memory {
    use super::*;
    use ferry_mock::MockRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<MockRuntime, Sqlite<MockRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        ferry_mock::run(ferry_mock::DEFAULT_SEED, |rt| async move {
            let db = Sqlite::open_in_memory(rt.clone()).await.expect("open");
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}

mod mock_other_seed {
    use super::*;
    use ferry_mock::MockRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<MockRuntime, Sqlite<MockRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        ferry_mock::run(0x0DD_5EED, |rt| async move {
            let db = Sqlite::open_in_memory(rt.clone()).await.expect("open");
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}
