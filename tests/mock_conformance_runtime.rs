//! The runtime conformance cases on the mock backend, under two scheduling seeds.

use std::future::Future;

use ferry_mock::MockRuntime;

fn on_default_seed<F, Fut>(body: F)
where
    F: FnOnce(MockRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(ferry_mock::DEFAULT_SEED, body);
}

fn on_other_seed<F, Fut>(body: F)
where
    F: FnOnce(MockRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(0x0DD_5EED, body);
}

mod default_seed {
    use super::on_default_seed;
    ferry_conformance::runtime_suite!(on_default_seed);
    ferry_conformance::toolkit_suite!(on_default_seed);
}

mod other_seed {
    use super::on_other_seed;
    ferry_conformance::runtime_suite!(on_other_seed);
    ferry_conformance::toolkit_suite!(on_other_seed);
}
