//! Turning hyper, rustls and I/O errors into [`TransportErrorKind`]s, the same way on every
//! backend.

use std::error::Error as StdError;

use ferry_http::{TransportError, TransportErrorKind};

/// Whether some error in `error`'s source chain satisfies `check`.
///
/// `io::Error` reports its inner error's source rather than the inner error itself, so the walk
/// also steps into [`std::io::Error::get_ref`]: that is where rustls errors sit.
///
/// ```
/// use ferry_wire::classify::{any_source, is_tls};
///
/// let wrapped = std::io::Error::other(rustls::Error::DecryptError);
/// assert!(any_source(&wrapped, &is_tls));
/// ```
pub fn any_source(
    error: &(dyn StdError + 'static),
    check: &dyn Fn(&(dyn StdError + 'static)) -> bool,
) -> bool {
    if check(error) {
        return true;
    }
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if any_source(inner, check) {
            return true;
        }
    }
    error
        .source()
        .is_some_and(|source| any_source(source, check))
}

/// Whether `error` itself is a rustls error (a failed handshake or certificate check).
pub fn is_tls(error: &(dyn StdError + 'static)) -> bool {
    error.is::<rustls::Error>()
}

/// Whether `error` itself is an I/O error of kind `TimedOut`.
pub fn is_timed_out(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
}

/// Whether `error` itself is a hyper timeout.
pub fn is_hyper_timeout(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<hyper::Error>()
        .is_some_and(hyper::Error::is_timeout)
}

/// The kind of a failure that happened while connecting (TCP, then TLS): a rustls error
/// anywhere in the chain is [`Tls`](TransportErrorKind::Tls), a timed-out I/O error is
/// [`ConnectTimeout`](TransportErrorKind::ConnectTimeout), anything else is
/// [`Connect`](TransportErrorKind::Connect).
///
/// ```
/// use ferry_http::TransportErrorKind;
/// use ferry_wire::classify::connect_error_kind;
///
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// assert_eq!(connect_error_kind(&refused), TransportErrorKind::Connect);
/// ```
pub fn connect_error_kind(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    if any_source(error, &is_tls) {
        TransportErrorKind::Tls
    } else if any_source(error, &is_timed_out) {
        TransportErrorKind::ConnectTimeout
    } else {
        TransportErrorKind::Connect
    }
}

/// The kind of a failure on an established connection: a hyper timeout anywhere in the chain
/// is [`Timeout`](TransportErrorKind::Timeout), anything else is [`Io`](TransportErrorKind::Io).
pub fn exchange_error_kind(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    if any_source(error, &is_hyper_timeout) {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    }
}

/// A failure while reading a response body, classified as [`exchange_error_kind`] does.
///
/// A plain `fn` so that backends can name their body type as
/// `MapErr<Incoming, fn(hyper::Error) -> TransportError>`.
pub fn body_error(error: hyper::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_error_inside_io_error_is_tls() {
        let error = std::io::Error::other(rustls::Error::General("bad".into()));
        assert_eq!(connect_error_kind(&error), TransportErrorKind::Tls);
    }

    #[test]
    fn timed_out_io_error_is_a_connect_timeout() {
        let error = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(
            connect_error_kind(&error),
            TransportErrorKind::ConnectTimeout
        );
    }

    #[test]
    fn other_io_error_on_a_connection_is_io() {
        let error = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(exchange_error_kind(&error), TransportErrorKind::Io);
    }
}
