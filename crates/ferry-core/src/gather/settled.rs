//! The report of a [`gather_settled`](super::gather_settled): every result, in input order.

use super::ItemError;

/// Every result of a [`gather_settled`](super::gather_settled), in input order, failures
/// included: asyncio's `gather(..., return_exceptions=True)`.
///
/// Slot `i` holds the outcome of the `i`-th input future: `Ok(value)`, or
/// `Err(`[`ItemError`]`)` if it returned an error or panicked.
///
/// ```
/// use ferry_core::gather::{gather_settled, ItemError};
///
/// let report = futures::executor::block_on(gather_settled([
///     futures::future::ready(Ok::<u32, &str>(1)),
///     futures::future::ready(Err("bad input")),
///     futures::future::ready(Ok(3)),
/// ]));
/// assert_eq!(report.successes().collect::<Vec<_>>(), [(0, &1), (2, &3)]);
/// assert_eq!(report.failures().collect::<Vec<_>>(), [(1, &ItemError::Failed("bad input"))]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled<T, E> {
    results: Vec<Result<T, ItemError<E>>>,
}

impl<T, E> Settled<T, E> {
    pub(super) fn new(results: Vec<Result<T, ItemError<E>>>) -> Self {
        Self { results }
    }

    /// How many futures were gathered.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether no future was gathered.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// Every outcome, in input order.
    pub fn results(&self) -> &[Result<T, ItemError<E>>] {
        &self.results
    }

    /// Every outcome, in input order, by value.
    pub fn into_results(self) -> Vec<Result<T, ItemError<E>>> {
        self.results
    }

    /// The values of the futures that succeeded, each with its input position.
    pub fn successes(&self) -> impl Iterator<Item = (usize, &T)> {
        self.results
            .iter()
            .enumerate()
            .filter_map(|(index, result)| result.as_ref().ok().map(|value| (index, value)))
    }

    /// The failures (errors and panics), each with its input position.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &ItemError<E>)> {
        self.results
            .iter()
            .enumerate()
            .filter_map(|(index, result)| result.as_ref().err().map(|error| (index, error)))
    }

    /// Whether every future succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.results.iter().all(Result::is_ok)
    }

    /// All values if every future succeeded, or else the first failure in input order with
    /// its position.
    pub fn into_all(self) -> Result<Vec<T>, (usize, ItemError<E>)> {
        let mut values = Vec::with_capacity(self.results.len());
        for (index, result) in self.results.into_iter().enumerate() {
            values.push(result.map_err(|error| (index, error))?);
        }
        Ok(values)
    }
}

impl<T, E> IntoIterator for Settled<T, E> {
    type Item = Result<T, ItemError<E>>;
    type IntoIter = std::vec::IntoIter<Result<T, ItemError<E>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<'a, T, E> IntoIterator for &'a Settled<T, E> {
    type Item = &'a Result<T, ItemError<E>>;
    type IntoIter = std::slice::Iter<'a, Result<T, ItemError<E>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}
