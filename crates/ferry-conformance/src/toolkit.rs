//! Cases for the toolkit (gather, task groups, semaphore, queue, pools, timeouts) on a runtime.

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! toolkit_suite {
    ($with_runtime:path) => {
        $crate::__suite!($with_runtime, toolkit, []);
    };
}
