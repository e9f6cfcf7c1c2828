//! [`MockRng`]: the seeded random numbers behind scheduling and scripted randomness.

/// A small seeded pseudo-random generator (SplitMix64) whose output never changes.
///
/// Replaying a failing run needs the seed to mean the same thing next year as today. A
/// generator from a crate can change its output between versions (`rand`'s `StdRng` and its
/// range sampling are documented as not value-stable), so the mock carries its own: SplitMix64
/// (Steele, Lea and Flood, 2014; the seeding generator recommended for the xoshiro family). It
/// is a dozen lines, has one `u64` of state, passes BigCrush, and its output is fixed by the
/// code below, which a known-answer test pins down. It is not for cryptography.
///
/// Other mock components (scripted latencies, fault injection) get their own independent
/// streams from [`MockRuntime::fork_rng`](crate::MockRuntime::fork_rng), so that what one of
/// them draws never shifts another's numbers or the scheduler's.
///
/// # Examples
///
/// ```
/// use ferry_mock::MockRng;
///
/// let mut a = MockRng::new(7);
/// let mut b = MockRng::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// let x = a.next_f64();
/// assert!((0.0..1.0).contains(&x));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockRng {
    state: u64,
}

/// SplitMix64's increment: the odd integer closest to 2^64 divided by the golden ratio.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl MockRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`, or 0 when `bound` is 0.
    ///
    /// Uses the high half of a 128-bit product (Lemire's method without the rejection step):
    /// one draw per call, so every call advances the stream by exactly one step, and a bias
    /// below `bound / 2^64` that no test can observe.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `[0, 1)` with 53 random bits, for drawing from distributions.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A new generator seeded from this one's next output: an independent stream.
    pub fn fork(&mut self) -> MockRng {
        MockRng::new(self.next_u64())
    }
}

/// Lets a mock run's seeded stream drive ferry's jitter (`Backoff::rng`), so that jittered
/// retry delays repeat exactly for one seed.
impl ferry_core::retry::RandomSource for MockRng {
    fn next_u64(&mut self) -> u64 {
        MockRng::next_u64(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_matches_the_reference_splitmix64() {
        // The first outputs of the reference C implementation (Vigna, splitmix64.c) seeded
        // with 0: if these change, every recorded seed replays a different run.
        let mut rng = MockRng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn below_stays_in_range_and_handles_zero() {
        let mut rng = MockRng::new(3);
        for bound in [1, 2, 3, 10, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(rng.below(bound) < bound);
            }
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn forks_are_reproducible_and_differ_from_the_parent() {
        let mut parent_a = MockRng::new(11);
        let mut parent_b = MockRng::new(11);
        let mut child_a = parent_a.fork();
        let mut child_b = parent_b.fork();
        assert_eq!(child_a.next_u64(), child_b.next_u64());
        assert_ne!(child_a.next_u64(), parent_a.next_u64());
    }
}
