//! [`Value`] as a PostgreSQL parameter and column value, converted to the column's type.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::value::Value;

type BoxError = Box<dyn Error + Sync + Send>;

fn is_text(ty: &Type) -> bool {
    [
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::UNKNOWN,
    ]
    .contains(ty)
}

fn mismatch(value: &Value, ty: &Type) -> BoxError {
    format!(
        "a {} value cannot be stored in a column of type {ty}",
        value.kind()
    )
    .into()
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(value) if *ty == Type::BOOL => value.to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT8 => value.to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT4 => i32::try_from(*value)
                .map_err(|_| format!("integer out of range for {ty}"))?
                .to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT2 => i16::try_from(*value)
                .map_err(|_| format!("integer out of range for {ty}"))?
                .to_sql(ty, out),
            Value::Int(value) if *ty == Type::FLOAT8 => (*value as f64).to_sql(ty, out),
            Value::Int(value) if *ty == Type::FLOAT4 => (*value as f32).to_sql(ty, out),
            Value::Float(value) if *ty == Type::FLOAT8 => value.to_sql(ty, out),
            Value::Float(value) if *ty == Type::FLOAT4 => (*value as f32).to_sql(ty, out),
            Value::Text(value) if is_text(ty) => value.as_str().to_sql(ty, out),
            Value::Text(value) if *ty == Type::JSON => {
                out.put_slice(value.as_bytes());
                Ok(IsNull::No)
            }
            Value::Text(value) if *ty == Type::JSONB => {
                // jsonb's binary form: a version byte, then the text.
                out.put_u8(1);
                out.put_slice(value.as_bytes());
                Ok(IsNull::No)
            }
            Value::Bytes(value) if *ty == Type::BYTEA => value.as_slice().to_sql(ty, out),
            other => Err(mismatch(other, ty)),
        }
    }

    fn accepts(ty: &Type) -> bool {
        is_text(ty)
            || [
                Type::BOOL,
                Type::INT2,
                Type::INT4,
                Type::INT8,
                Type::FLOAT4,
                Type::FLOAT8,
                Type::JSON,
                Type::JSONB,
                Type::BYTEA,
            ]
            .contains(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(if *ty == Type::BOOL {
            Value::Bool(bool::from_sql(ty, raw)?)
        } else if *ty == Type::INT2 {
            Value::Int(i16::from_sql(ty, raw)?.into())
        } else if *ty == Type::INT4 {
            Value::Int(i32::from_sql(ty, raw)?.into())
        } else if *ty == Type::INT8 {
            Value::Int(i64::from_sql(ty, raw)?)
        } else if *ty == Type::OID {
            Value::Int(u32::from_sql(ty, raw)?.into())
        } else if *ty == Type::FLOAT4 {
            Value::Float(f32::from_sql(ty, raw)?.into())
        } else if *ty == Type::FLOAT8 {
            Value::Float(f64::from_sql(ty, raw)?)
        } else if is_text(ty) || *ty == Type::JSON {
            Value::Text(String::from_utf8_lossy(raw).into_owned())
        } else if *ty == Type::JSONB {
            Value::Text(String::from_utf8_lossy(raw.get(1..).unwrap_or_default()).into_owned())
        } else if *ty == Type::BYTEA {
            Value::Bytes(raw.to_vec())
        } else {
            return Err(format!(
                "columns of type {ty} are not read directly; cast it in the query (`::text`, `::float8`)"
            )
            .into());
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
