//! A row to a record.

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::MappingError;
use crate::value::Value;

/// Deserializes a row (its column names and values) into a record: a struct or map by
/// column name, or a tuple by position.
///
/// ```
/// use ferry_db::{Value, row::from_row};
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Item { id: u32, name: String, in_stock: bool, tags: Vec<String> }
///
/// let columns = ["id".to_owned(), "name".into(), "in_stock".into(), "tags".into()];
/// let values = vec![
///     Value::Int(7),
///     Value::Text("lamp".into()),
///     Value::Int(1), // SQLite's boolean
///     Value::Text(r#"["home"]"#.into()),
/// ];
/// let item: Item = from_row(&columns, values)?;
/// assert_eq!(item, Item { id: 7, name: "lamp".into(), in_stock: true, tags: vec!["home".into()] });
/// # Ok::<(), ferry_db::MappingError>(())
/// ```
///
/// # Errors
///
/// [`MappingError::Column`] naming the column whose value does not fit, or a missing field.
pub fn from_row<T: DeserializeOwned>(
    columns: &[String],
    values: Vec<Value>,
) -> Result<T, MappingError> {
    T::deserialize(RowDeserializer { columns, values })
}

struct RowDeserializer<'a> {
    columns: &'a [String],
    values: Vec<Value>,
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_> {
    type Error = MappingError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        visitor.visit_map(RowAccess {
            columns: self.columns.iter(),
            values: self.values.into_iter(),
            current: None,
        })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        visitor.visit_seq(RowAccess {
            columns: self.columns.iter(),
            values: self.values.into_iter(),
            current: None,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct map struct enum identifier ignored_any
    }
}

struct RowAccess<'a, C, V> {
    columns: C,
    values: V,
    current: Option<&'a String>,
}

impl<'de, 'a, C, I> de::MapAccess<'de> for RowAccess<'a, C, I>
where
    C: Iterator<Item = &'a String>,
    I: Iterator<Item = Value>,
{
    type Error = MappingError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, MappingError> {
        match self.columns.next() {
            None => Ok(None),
            Some(column) => {
                self.current = Some(column);
                seed.deserialize(column.as_str().into_deserializer())
                    .map(Some)
            }
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, MappingError> {
        let column = self.current.take().map_or("?", String::as_str);
        let value = self.values.next().unwrap_or(Value::Null);
        seed.deserialize(ValueDeserializer(value))
            .map_err(|error| in_column(column, error))
    }
}

impl<'de, 'a, C, I> de::SeqAccess<'de> for RowAccess<'a, C, I>
where
    C: Iterator<Item = &'a String>,
    I: Iterator<Item = Value>,
{
    type Error = MappingError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, MappingError> {
        let column = self.columns.next().map_or("?", String::as_str);
        match self.values.next() {
            None => Ok(None),
            Some(value) => seed
                .deserialize(ValueDeserializer(value))
                .map(Some)
                .map_err(|error| in_column(column, error)),
        }
    }
}

fn in_column(column: &str, error: MappingError) -> MappingError {
    match error {
        MappingError::Column { .. } => error,
        other => MappingError::Column {
            column: column.to_owned(),
            message: other.to_string(),
        },
    }
}

/// One value as serde input. Text also feeds compound types by parsing it as JSON, and
/// integers feed booleans (SQLite has no boolean type) and floats.
struct ValueDeserializer(Value);

impl<'de> IntoDeserializer<'de, MappingError> for ValueDeserializer {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn json_error(error: serde_json::Error) -> MappingError {
    // serde_json's messages quote the unexpected input; only its position and category are
    // kept, so that no value reaches an error message.
    MappingError::Other(format!(
        "the text is not the expected JSON ({:?} error at line {} column {})",
        error.classify(),
        error.line(),
        error.column()
    ))
}

impl ValueDeserializer {
    fn json<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        parse: impl FnOnce(&mut JsonText, V) -> Result<V::Value, serde_json::Error>,
    ) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Text(text) => {
                // An owned reader, so that the JSON deserializer borrows nothing from the row.
                let mut json =
                    serde_json::Deserializer::from_reader(std::io::Cursor::new(text.into_bytes()));
                let value = parse(&mut json, visitor).map_err(json_error)?;
                json.end().map_err(json_error)?;
                Ok(value)
            }
            other => de::Deserializer::deserialize_any(ValueDeserializer(other), visitor),
        }
    }
}

type JsonText = serde_json::Deserializer<serde_json::de::IoRead<std::io::Cursor<Vec<u8>>>>;

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = MappingError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            Value::Bool(value) => visitor.visit_bool(value),
            Value::Int(value) => visitor.visit_i64(value),
            Value::Float(value) => visitor.visit_f64(value),
            Value::Text(value) => visitor.visit_string(value),
            Value::Bytes(value) => visitor.visit_byte_buf(value),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Int(0) => visitor.visit_bool(false),
            Value::Int(1) => visitor.visit_bool(true),
            other => ValueDeserializer(other).deserialize_any(visitor),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Int(value) => visitor.visit_f64(value as f64),
            other => ValueDeserializer(other).deserialize_any(visitor),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(ValueDeserializer(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => ValueDeserializer(other).deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        match self.0 {
            Value::Text(text) if !text.trim_start().starts_with('{') => {
                visitor.visit_enum(text.into_deserializer())
            }
            other => ValueDeserializer(other).json(visitor, |json, visitor| {
                de::Deserializer::deserialize_enum(json, name, variants, visitor)
            }),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.json(visitor, |json, visitor| {
            de::Deserializer::deserialize_seq(json, visitor)
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.json(visitor, |json, visitor| {
            de::Deserializer::deserialize_tuple(json, len, visitor)
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.json(visitor, |json, visitor| {
            de::Deserializer::deserialize_tuple_struct(json, name, len, visitor)
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.json(visitor, |json, visitor| {
            de::Deserializer::deserialize_map(json, visitor)
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.json(visitor, |json, visitor| {
            de::Deserializer::deserialize_struct(json, name, fields, visitor)
        })
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char str string bytes byte_buf
        unit_struct identifier ignored_any
    }
}
