//! Where jitter's random numbers come from.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of random 64-bit numbers, injected wherever ferry draws jitter.
///
/// One required method, so that any generator fits in a few lines (`rand`'s, the mock
/// backend's `MockRng`, a fixed script in a test), and object safe, so that a backoff can hold
/// a `Box<dyn RandomSource + Send>` without a type parameter.
///
/// # Examples
///
/// ```
/// use ferry_core::retry::{RandomSource, SplitMix64};
///
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let x = a.next_f64();
/// assert!((0.0..1.0).contains(&x));
/// ```
pub trait RandomSource {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;

    /// A number in `[0, 1)` made of the top 53 bits of [`next_u64`](Self::next_u64): every
    /// value a `f64` can hold in that range with uniform spacing, one draw per call.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn next_u64(&mut self) -> u64 {
        (**self).next_u64()
    }
}

impl<R: RandomSource + ?Sized> RandomSource for Box<R> {
    fn next_u64(&mut self) -> u64 {
        (**self).next_u64()
    }
}

/// The default [`RandomSource`]: SplitMix64, seedable, with output fixed by this code.
///
/// Why not a crate: a recorded seed has to replay the same jitter after a dependency update,
/// and `rand`'s generators and `fastrand`'s are not promised to be value-stable across
/// versions. SplitMix64 (Steele, Lea and Flood, 2014) is a dozen lines, has one `u64` of state,
/// passes BigCrush, and is the same generator as the mock backend's `MockRng`, so that a seed
/// means the same thing on both. It is not for cryptography; jitter does not need that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

/// SplitMix64's increment: the odd integer closest to 2^64 divided by the golden ratio.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the process's random hash keys and a counter, so that two
    /// processes (and two generators in one process) draw different jitter: the point of
    /// jitter is that clients do not retry in step.
    pub fn from_entropy() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        Self::new(hasher.finish())
    }
}

impl Default for SplitMix64 {
    /// Same as [`SplitMix64::from_entropy`].
    fn default() -> Self {
        Self::from_entropy()
    }
}

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_matches_the_reference_splitmix64() {
        // The reference C implementation (Vigna, splitmix64.c) seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn next_f64_stays_below_one_even_for_the_largest_draw() {
        struct Max;
        impl RandomSource for Max {
            fn next_u64(&mut self) -> u64 {
                u64::MAX
            }
        }
        let x = Max.next_f64();
        assert!(x < 1.0 && x > 0.999);
    }

    #[test]
    fn generators_from_entropy_differ() {
        assert_ne!(
            SplitMix64::from_entropy().next_u64(),
            SplitMix64::from_entropy().next_u64()
        );
    }
}
