//! The database conformance cases on a real PostgreSQL (started by the tests on 127.0.0.1),
//! on tokio and on smol, each case in a database of its own.

mod support;

use std::future::Future;

use ferry_conformance::db::DbEnv;
use ferry_db::postgres::Postgres;

mod on_tokio {
    use super::*;
    use ferry_tokio::TokioRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<TokioRuntime, Postgres<TokioRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let name = support::fresh_database();
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        tokio.block_on(async {
            let rt = TokioRuntime::from_handle(tokio.handle().clone());
            let db = Postgres::builder(&support::url(&name))
                .expect("url")
                .build(rt.clone(), support::tokio_connector());
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}

mod on_smol {
    use super::*;
    use ferry_smol::SmolRuntime;

    fn with_db<F, Fut>(body: F)
    where
        F: FnOnce(DbEnv<SmolRuntime, Postgres<SmolRuntime>>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let name = support::fresh_database();
        ferry_smol::block_on(|rt| async move {
            let db = Postgres::builder(&support::url(&name))
                .expect("url")
                .build(rt.clone(), support::smol_connector());
            body(DbEnv { rt, db }).await;
        });
    }

    ferry_conformance::db_suite!(with_db);
}
