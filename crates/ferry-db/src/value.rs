//! [`Value`]: one parameter or column value, the same for every database.

use std::fmt;

/// One query parameter or column value, in the types SQLite and PostgreSQL share.
///
/// Records become lists of values through serde ([`crate::row::to_values`]), rows become
/// records through serde ([`crate::row::from_row`]); parameters given by hand convert with
/// `From` (`Value::from(42)`, `Value::from("text")`, `Value::from(None::<i64>)`).
///
/// Its `Debug` never shows a text or byte value's content, only its length, so that a value
/// that ends up in a log or an error does not leak what a parameter held.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A boolean (SQLite stores it as the integer 0 or 1).
    Bool(bool),
    /// An integer (PostgreSQL's `smallint`, `integer` or `bigint`, checked for range).
    Int(i64),
    /// A floating-point number (`real` or `double precision`).
    Float(f64),
    /// Text (`text`, `varchar`, `char`, `json`, `jsonb`).
    Text(String),
    /// Bytes (`blob`, `bytea`).
    Bytes(Vec<u8>),
}

impl Value {
    /// The value's kind, for error messages that must not show the value.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "bool",
            Self::Int(_) => "integer",
            Self::Float(_) => "float",
            Self::Text(_) => "text",
            Self::Bytes(_) => "bytes",
        }
    }

    /// The value as JSON, for dead-letter copies of rows.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Bool(value) => (*value).into(),
            Self::Int(value) => (*value).into(),
            Self::Float(value) => serde_json::Number::from_f64(*value)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Self::Text(value) => value.clone().into(),
            Self::Bytes(value) => value.iter().copied().collect(),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            Self::Bool(_) | Self::Int(_) | Self::Float(_) => write!(f, "{}(..)", self.kind()),
            Self::Text(text) => write!(f, "Text({} bytes)", text.len()),
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
        }
    }
}

macro_rules! from_int {
    ($($ty:ty),*) => {
        $(impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                Self::Int(i64::from(value))
            }
        })*
    };
}

from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<f32> for Value {
    fn from(value: f32) -> Self {
        Self::Float(f64::from(value))
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Self::Float(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<Vec<u8>> for Value {
    fn from(value: Vec<u8>) -> Self {
        Self::Bytes(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}
