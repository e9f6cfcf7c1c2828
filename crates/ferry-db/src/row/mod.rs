//! Records in and out with serde: a record becomes its column names and [`Value`]s
//! ([`to_values`]), a row becomes a record ([`from_row`]).
//!
//! A record is a struct (or a map with string keys) whose fields are columns. Scalars map to
//! [`Value`]s of their kind; `Option::None` is `NULL`; a unit enum variant is its name as
//! text; a nested value (a `Vec`, a map, a struct) goes in as JSON text and comes out of a
//! text column by parsing it, so a `json` or `text` column holds it. Reading, a row may also
//! fill a tuple, column by column.

mod de;
mod ser;

use std::sync::Arc;

pub use de::from_row;
pub use ser::{Fields, to_values};

use crate::value::Value;

/// One row: the result's column names (shared by every row of a result) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row of `values` under `columns` (the same length).
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        Self { columns, values }
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of the column named `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.columns
            .iter()
            .position(|column| column == name)
            .map(|index| &self.values[index])
    }

    /// The row as a JSON object, for dead-letter copies.
    pub fn to_json(&self) -> serde_json::Value {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(column, value)| (column.clone(), value.to_json()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// The row as a record of type `T`; see [`from_row`].
    ///
    /// # Errors
    ///
    /// [`MappingError`] when a column does not fit `T`'s field (named in the error).
    pub fn into_record<T: serde::de::DeserializeOwned>(self) -> Result<T, MappingError> {
        from_row(&self.columns, self.values)
    }
}

/// A record that cannot become parameters, or a row that cannot become a record. Values are
/// never part of the message: only column names, kinds and types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// A column's value does not fit the record's field.
    #[error("column `{column}`: {message}")]
    Column {
        /// The column.
        column: String,
        /// What did not fit.
        message: String,
    },
    /// The record is not a struct or a map.
    #[error("a record must be a struct or a map with string keys, got {got}")]
    NotARecord {
        /// What serde was given instead.
        got: &'static str,
    },
    /// An unsigned integer does not fit in a signed 64-bit column value.
    #[error("an unsigned integer above i64::MAX cannot be stored")]
    OutOfRange,
    /// Records of one batch have different fields (`skip_serializing_if`, or maps).
    #[error("the record's fields differ from the batch's first record's ({expected} columns)")]
    ColumnsDiffer {
        /// The first record's columns, joined by commas.
        expected: String,
    },
    /// Anything else serde reported.
    #[error("{0}")]
    Other(String),
}

impl serde::ser::Error for MappingError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Other(msg.to_string())
    }
}

impl serde::de::Error for MappingError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Other(msg.to_string())
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Self::Other(format!(
            "invalid type: {}, expected {exp}",
            unexpected_kind(&unexp)
        ))
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Self::Other(format!(
            "invalid value of type {}, expected {exp}",
            unexpected_kind(&unexp)
        ))
    }
}

/// What kind of value serde found, without the value itself.
fn unexpected_kind(unexp: &serde::de::Unexpected<'_>) -> &'static str {
    use serde::de::Unexpected;
    match unexp {
        Unexpected::Bool(_) => "bool",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "integer",
        Unexpected::Float(_) => "float",
        Unexpected::Char(_) => "char",
        Unexpected::Str(_) => "text",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit => "null",
        Unexpected::Option => "option",
        Unexpected::NewtypeStruct => "newtype struct",
        Unexpected::Seq => "sequence",
        Unexpected::Map => "map",
        Unexpected::Enum => "enum",
        Unexpected::UnitVariant => "unit variant",
        Unexpected::NewtypeVariant => "newtype variant",
        Unexpected::TupleVariant => "tuple variant",
        Unexpected::StructVariant => "struct variant",
        Unexpected::Other(_) => "other",
    }
}
