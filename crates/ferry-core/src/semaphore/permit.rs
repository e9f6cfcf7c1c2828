//! The permits an acquire hands out; dropping one gives its permits back.

use std::fmt;
use std::sync::Arc;

use super::{MergeError, Semaphore};

/// Permits borrowed from a [`Semaphore`]; dropping the permit gives them back.
///
/// Given back permits go to the oldest waiting acquire first. A permit stays valid after
/// [`Semaphore::close`]: dropping it still returns its permits.
///
/// ```
/// use ferry_core::semaphore::Semaphore;
///
/// let semaphore = Semaphore::new(3);
/// let mut permit = semaphore.try_acquire_many(3).unwrap();
/// let one = permit.split(1).unwrap();
/// assert_eq!((permit.num_permits(), one.num_permits()), (2, 1));
/// drop(one);
/// assert_eq!(semaphore.available_permits(), 1);
/// permit.forget(); // those two are gone for good
/// assert_eq!(semaphore.available_permits(), 1);
/// ```
#[must_use = "the permits are given back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl<'a> SemaphorePermit<'a> {
    pub(super) fn new(semaphore: &'a Semaphore, permits: usize) -> Self {
        Self { semaphore, permits }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.semaphore
    }

    /// Drops the permit without giving its permits back: the semaphore has that many fewer
    /// permits from now on (which [`Semaphore::add_permits`] can undo).
    pub fn forget(mut self) {
        self.semaphore
            .forget_permits(std::mem::take(&mut self.permits));
    }

    /// Moves `other`'s permits into this one, so they are given back together.
    ///
    /// # Errors
    ///
    /// If `other` belongs to a different semaphore, nothing changes and `other` is handed
    /// back inside the [`MergeError`].
    pub fn merge(&mut self, mut other: Self) -> Result<(), MergeError<Self>> {
        if !std::ptr::eq(self.semaphore, other.semaphore) {
            return Err(MergeError { permit: other });
        }
        self.permits += std::mem::take(&mut other.permits);
        Ok(())
    }

    /// Splits `permits` permits off into a new permit, or returns `None` (changing nothing) if
    /// this one holds fewer than that.
    pub fn split(&mut self, permits: usize) -> Option<Self> {
        self.permits = self.permits.checked_sub(permits)?;
        Some(Self::new(self.semaphore, permits))
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// Permits of a [`Semaphore`] held through an [`Arc`], so the permit is `'static` and can move
/// into a spawned task; dropping it gives the permits back.
///
/// Made by [`Semaphore::acquire_owned`] and its siblings. Otherwise it behaves exactly like
/// [`SemaphorePermit`].
///
/// ```
/// use std::sync::Arc;
/// use ferry_core::semaphore::Semaphore;
///
/// let semaphore = Arc::new(Semaphore::new(1));
/// let permit = semaphore.clone().try_acquire_owned().unwrap();
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(semaphore.available_permits(), 1);
/// ```
#[must_use = "the permits are given back as soon as the permit is dropped"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    pub(super) fn new(semaphore: Arc<Semaphore>, permits: usize) -> Self {
        Self { semaphore, permits }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// Drops the permit without giving its permits back: the semaphore has that many fewer
    /// permits from now on (which [`Semaphore::add_permits`] can undo).
    pub fn forget(mut self) {
        self.semaphore
            .forget_permits(std::mem::take(&mut self.permits));
    }

    /// Moves `other`'s permits into this one, so they are given back together.
    ///
    /// # Errors
    ///
    /// If `other` belongs to a different semaphore, nothing changes and `other` is handed
    /// back inside the [`MergeError`].
    pub fn merge(&mut self, mut other: Self) -> Result<(), MergeError<Self>> {
        if !Arc::ptr_eq(&self.semaphore, &other.semaphore) {
            return Err(MergeError { permit: other });
        }
        self.permits += std::mem::take(&mut other.permits);
        Ok(())
    }

    /// Splits `permits` permits off into a new permit, or returns `None` (changing nothing) if
    /// this one holds fewer than that.
    pub fn split(&mut self, permits: usize) -> Option<Self> {
        self.permits = self.permits.checked_sub(permits)?;
        Some(Self::new(self.semaphore.clone(), permits))
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}
