//! Caught panics, turned into values.

use std::any::Any;
use std::fmt;

/// A panic that ferry caught in a task, a gathered future or a worker's handler.
///
/// Keeps the panic's message (when it was a string, as `panic!` makes it) rather than the raw
/// payload, so that it can be sent between threads, printed and compared.
#[derive(Clone, PartialEq, Eq)]
pub struct Panicked {
    // A boxed `str`, not a `String`: 16 bytes instead of 24, which keeps every
    // `Result<T, Panicked>` a task handle may hold (and `JoinError`) that much smaller.
    message: Box<str>,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Panicked {}

impl Panicked {
    /// Keeps the message of a payload from [`std::panic::catch_unwind`].
    pub fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        let message = match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(text) => (*text).to_owned(),
                Err(_) => "panic with a non-string payload".to_owned(),
            },
        };
        Self {
            message: message.into_boxed_str(),
        }
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Panicked({:?})", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_string_and_str_messages() {
        let owned = std::panic::catch_unwind(|| panic!("item {} failed", 7)).unwrap_err();
        assert_eq!(Panicked::from_payload(owned).message(), "item 7 failed");
        let fixed = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
        assert_eq!(Panicked::from_payload(fixed).message(), "boom");
    }

    #[test]
    fn names_non_string_payloads() {
        let odd = std::panic::catch_unwind(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(
            Panicked::from_payload(odd).message(),
            "panic with a non-string payload"
        );
    }
}
