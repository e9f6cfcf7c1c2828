//! Pipeline steps.
