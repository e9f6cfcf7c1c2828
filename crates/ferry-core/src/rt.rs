//! The runtime traits, from `ferry-rt`, and [`TimerExt`], the timeouts and deadlines every
//! [`Timer`] gets from this crate.
//!
//! Everything here but [`TimerExt`] is `ferry_rt`'s own item, re-exported so that code written
//! against `ferry_core::rt` and against `ferry_rt` names the very same traits.

pub use ferry_rt::*;

pub use crate::timeout::TimerExt;
