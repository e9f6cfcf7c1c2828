//! A record to its column names and values.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::MappingError;
use crate::value::Value;

/// A record's column names and values, in field order.
pub type Fields = (Vec<Cow<'static, str>>, Vec<Value>);

/// Serializes a record (a struct, or a map with string keys) into its column names and
/// values, in field order. A nested field (a `Vec`, a map, a struct, a data-carrying enum
/// variant) becomes its JSON text.
///
/// ```
/// use ferry_db::{Value, row::to_values};
///
/// #[derive(serde::Serialize)]
/// struct Item { id: u32, name: String, tags: Vec<String>, note: Option<String> }
///
/// let item = Item { id: 7, name: "lamp".into(), tags: vec!["home".into()], note: None };
/// let (columns, values) = to_values(&item)?;
/// assert_eq!(columns, ["id", "name", "tags", "note"]);
/// assert_eq!(values[0], Value::Int(7));
/// assert_eq!(values[2], Value::Text(r#"["home"]"#.into()));
/// assert_eq!(values[3], Value::Null);
/// # Ok::<(), ferry_db::MappingError>(())
/// ```
///
/// # Errors
///
/// [`MappingError::NotARecord`] for anything but a struct or map, [`MappingError::OutOfRange`]
/// for a `u64` above `i64::MAX`, or the record's own `Serialize` error.
pub fn to_values<T: Serialize + ?Sized>(record: &T) -> Result<Fields, MappingError> {
    record.serialize(RecordSerializer)
}

/// One field's value: a scalar directly, anything nested as JSON text.
pub(crate) fn value_of<T: Serialize + ?Sized>(value: &T) -> Result<Value, MappingError> {
    match value.serialize(ValueSerializer) {
        Err(Nested::Nested) => serde_json::to_string(value)
            .map(Value::Text)
            .map_err(|error| MappingError::Other(error.to_string())),
        Err(Nested::Failed(error)) => Err(error),
        Ok(value) => Ok(value),
    }
}

struct RecordSerializer;

struct FieldsCollector {
    names: Vec<Cow<'static, str>>,
    values: Vec<Value>,
}

impl FieldsCollector {
    fn with_capacity(len: usize) -> Self {
        Self {
            names: Vec::with_capacity(len),
            values: Vec::with_capacity(len),
        }
    }
}

fn not_a_record<T>(got: &'static str) -> Result<T, MappingError> {
    Err(MappingError::NotARecord { got })
}

impl ser::Serializer for RecordSerializer {
    type Ok = Fields;
    type Error = MappingError;
    type SerializeSeq = Impossible<Fields, MappingError>;
    type SerializeTuple = Impossible<Fields, MappingError>;
    type SerializeTupleStruct = Impossible<Fields, MappingError>;
    type SerializeTupleVariant = Impossible<Fields, MappingError>;
    type SerializeMap = MapCollector;
    type SerializeStruct = FieldsCollector;
    type SerializeStructVariant = Impossible<Fields, MappingError>;

    fn serialize_bool(self, _: bool) -> Result<Fields, MappingError> {
        not_a_record("a bool")
    }
    fn serialize_i8(self, _: i8) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_i16(self, _: i16) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_i32(self, _: i32) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_i64(self, _: i64) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_u8(self, _: u8) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_u16(self, _: u16) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_u32(self, _: u32) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_u64(self, _: u64) -> Result<Fields, MappingError> {
        not_a_record("an integer")
    }
    fn serialize_f32(self, _: f32) -> Result<Fields, MappingError> {
        not_a_record("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<Fields, MappingError> {
        not_a_record("a float")
    }
    fn serialize_char(self, _: char) -> Result<Fields, MappingError> {
        not_a_record("a char")
    }
    fn serialize_str(self, _: &str) -> Result<Fields, MappingError> {
        not_a_record("a string")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Fields, MappingError> {
        not_a_record("bytes")
    }
    fn serialize_none(self) -> Result<Fields, MappingError> {
        not_a_record("None")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Fields, MappingError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Fields, MappingError> {
        not_a_record("()")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Fields, MappingError> {
        not_a_record("a unit struct")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<Fields, MappingError> {
        not_a_record("an enum variant")
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Fields, MappingError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Fields, MappingError> {
        not_a_record("an enum variant")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, MappingError> {
        not_a_record("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, MappingError> {
        not_a_record("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, MappingError> {
        not_a_record("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, MappingError> {
        not_a_record("an enum variant")
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapCollector, MappingError> {
        Ok(MapCollector {
            fields: FieldsCollector::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<FieldsCollector, MappingError> {
        Ok(FieldsCollector::with_capacity(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, MappingError> {
        not_a_record("an enum variant")
    }
}

impl ser::SerializeStruct for FieldsCollector {
    type Ok = Fields;
    type Error = MappingError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), MappingError> {
        let value = value_of(value).map_err(|error| in_column(key, error))?;
        self.names.push(Cow::Borrowed(key));
        self.values.push(value);
        Ok(())
    }

    fn end(self) -> Result<Fields, MappingError> {
        Ok((self.names, self.values))
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

struct MapCollector {
    fields: FieldsCollector,
    key: Option<String>,
}

impl ser::SerializeMap for MapCollector {
    type Ok = Fields;
    type Error = MappingError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), MappingError> {
        match value_of(key)? {
            Value::Text(key) => {
                self.key = Some(key);
                Ok(())
            }
            other => Err(MappingError::Other(format!(
                "a record's map keys must be strings, got {}",
                other.kind()
            ))),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| MappingError::Other("a map value without a key".to_owned()))?;
        let value = value_of(value).map_err(|error| in_column(&key, error))?;
        self.fields.names.push(Cow::Owned(key));
        self.fields.values.push(value);
        Ok(())
    }

    fn end(self) -> Result<Fields, MappingError> {
        Ok((self.fields.names, self.fields.values))
    }
}

/// Why a field's value did not serialize to a scalar.
enum Nested {
    /// It is a compound value: store its JSON text instead.
    Nested,
    /// It failed for good.
    Failed(MappingError),
}

impl std::fmt::Debug for Nested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Nested => f.write_str("Nested"),
            Self::Failed(error) => write!(f, "Failed({error})"),
        }
    }
}

impl std::fmt::Display for Nested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Nested {}

impl ser::Error for Nested {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Failed(MappingError::Other(msg.to_string()))
    }
}

struct ValueSerializer;

type NoCompound = Impossible<Value, Nested>;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Nested;
    type SerializeSeq = NoCompound;
    type SerializeTuple = NoCompound;
    type SerializeTupleStruct = NoCompound;
    type SerializeTupleVariant = NoCompound;
    type SerializeMap = NoCompound;
    type SerializeStruct = NoCompound;
    type SerializeStructVariant = NoCompound;

    fn serialize_bool(self, value: bool) -> Result<Value, Nested> {
        Ok(Value::Bool(value))
    }
    fn serialize_i8(self, value: i8) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_i16(self, value: i16) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_i32(self, value: i32) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_i64(self, value: i64) -> Result<Value, Nested> {
        Ok(Value::Int(value))
    }
    fn serialize_u8(self, value: u8) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_u16(self, value: u16) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_u32(self, value: u32) -> Result<Value, Nested> {
        Ok(Value::Int(value.into()))
    }
    fn serialize_u64(self, value: u64) -> Result<Value, Nested> {
        i64::try_from(value)
            .map(Value::Int)
            .map_err(|_| Nested::Failed(MappingError::OutOfRange))
    }
    fn serialize_f32(self, value: f32) -> Result<Value, Nested> {
        Ok(Value::Float(value.into()))
    }
    fn serialize_f64(self, value: f64) -> Result<Value, Nested> {
        Ok(Value::Float(value))
    }
    fn serialize_char(self, value: char) -> Result<Value, Nested> {
        Ok(Value::Text(value.to_string()))
    }
    fn serialize_str(self, value: &str) -> Result<Value, Nested> {
        Ok(Value::Text(value.to_owned()))
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<Value, Nested> {
        Ok(Value::Bytes(value.to_vec()))
    }
    fn serialize_none(self) -> Result<Value, Nested> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Nested> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Nested> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Nested> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, Nested> {
        Ok(Value::Text(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, Nested> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_tuple(self, _: usize) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<NoCompound, Nested> {
        Err(Nested::Nested)
    }
}
