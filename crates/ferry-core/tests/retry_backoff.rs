//! Backoff delays as a plain iterator: no clock, no runtime.

use std::time::Duration;

use ferry_core::retry::{Backoff, Jitter, MakeBackoff, SplitMix64};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn first<const N: usize>(backoff: &Backoff) -> Vec<Duration> {
    backoff.delays().take(N).collect()
}

#[test]
fn exponential_delays_multiply_by_the_factor_without_jitter() {
    let doubling = Backoff::exponential(ms(100));
    assert_eq!(first::<4>(&doubling), [ms(100), ms(200), ms(400), ms(800)]);
    let tripling = Backoff::exponential(ms(10)).factor(3.0);
    assert_eq!(first::<3>(&tripling), [ms(10), ms(30), ms(90)]);
    let gentle = Backoff::exponential(ms(100)).factor(1.5);
    assert_eq!(first::<3>(&gentle), [ms(100), ms(150), ms(225)]);
}

#[test]
fn exponential_delays_stop_growing_at_the_max_delay() {
    let backoff = Backoff::exponential(ms(100)).max_delay(ms(250));
    assert_eq!(first::<4>(&backoff), [ms(100), ms(200), ms(250), ms(250)]);
}

#[test]
fn a_base_above_the_max_delay_is_capped_from_the_first_delay() {
    let backoff = Backoff::exponential(Duration::from_secs(10)).max_delay(ms(500));
    assert_eq!(first::<2>(&backoff), [ms(500), ms(500)]);
}

#[test]
fn constant_backoff_repeats_its_delay() {
    let backoff = Backoff::constant(ms(40));
    assert_eq!(first::<3>(&backoff), [ms(40); 3]);
}

#[test]
fn a_factor_below_one_or_not_a_number_gives_constant_delays() {
    for factor in [0.5, 0.0, -2.0, f64::NAN, f64::INFINITY] {
        let backoff = Backoff::exponential(ms(100)).factor(factor);
        assert_eq!(first::<3>(&backoff), [ms(100); 3], "factor {factor}");
    }
}

#[test]
fn huge_durations_saturate_instead_of_panicking() {
    let backoff = Backoff::exponential(Duration::MAX).factor(1e300);
    let delays = first::<3>(&backoff);
    assert!(delays.iter().all(|d| *d == delays[0]));
    let jittered = Backoff::exponential(Duration::from_secs(u64::MAX / 2))
        .max_delay(Duration::MAX)
        .jitter(Jitter::Decorrelated)
        .rng(SplitMix64::new(1));
    assert_eq!(jittered.delays().take(5).count(), 5);
}

/// The nominal (unjittered) delays of the backoffs the jitter tests use.
const NOMINAL_MS: [u64; 6] = [100, 200, 400, 800, 1000, 1000];

fn jittered(jitter: Jitter, seed: u64) -> Vec<Duration> {
    Backoff::exponential(ms(100))
        .max_delay(ms(1000))
        .jitter(jitter)
        .rng(SplitMix64::new(seed))
        .delays()
        .take(NOMINAL_MS.len())
        .collect()
}

#[test]
fn full_jitter_stays_between_zero_and_the_nominal_delay() {
    for seed in 0..200 {
        for (delay, nominal) in jittered(Jitter::Full, seed).into_iter().zip(NOMINAL_MS) {
            assert!(delay < ms(nominal), "seed {seed}: {delay:?}");
        }
    }
}

#[test]
fn equal_jitter_stays_between_half_and_all_of_the_nominal_delay() {
    for seed in 0..200 {
        for (delay, nominal) in jittered(Jitter::Equal, seed).into_iter().zip(NOMINAL_MS) {
            assert!(
                delay >= ms(nominal / 2) && delay < ms(nominal),
                "seed {seed}: {delay:?}"
            );
        }
    }
}

#[test]
fn decorrelated_jitter_stays_between_base_and_three_times_the_previous_delay() {
    for seed in 0..200 {
        let delays = jittered(Jitter::Decorrelated, seed);
        let mut previous = ms(100);
        for delay in delays {
            assert!(delay >= ms(100), "seed {seed}: {delay:?} below base");
            assert!(delay <= ms(1000), "seed {seed}: {delay:?} above the cap");
            assert!(
                delay <= previous * 3,
                "seed {seed}: {delay:?} after {previous:?}"
            );
            previous = delay;
        }
    }
}

#[test]
fn jitter_spreads_delays_over_their_range() {
    // Over many seeds, full jitter's first delay (range 0..100 ms) lands in both halves.
    let firsts: Vec<_> = (0..200)
        .map(|seed| jittered(Jitter::Full, seed)[0])
        .collect();
    assert!(firsts.iter().any(|d| *d < ms(50)));
    assert!(firsts.iter().any(|d| *d >= ms(50)));
}

#[test]
fn one_seed_gives_the_same_jittered_delays_every_time() {
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        assert_eq!(jittered(jitter, 42), jittered(jitter, 42), "{jitter:?}");
        assert_ne!(jittered(jitter, 42), jittered(jitter, 43), "{jitter:?}");
    }
}

#[test]
fn operations_sharing_a_backoff_get_different_jitter() {
    let backoff = Backoff::exponential(ms(100))
        .jitter(Jitter::Full)
        .rng(SplitMix64::new(9));
    let first: Vec<_> = backoff.delays().take(4).collect();
    let second: Vec<_> = backoff.delays().take(4).collect();
    assert_ne!(first, second);
    // A clone shares the generator, so it continues the sequence rather than repeating it.
    let third: Vec<_> = backoff.clone().delays().take(4).collect();
    assert_ne!(third, first);
    assert_ne!(third, second);
}

#[test]
fn a_closure_scripts_the_delays_of_each_operation() {
    let script = || [ms(5), ms(7)];
    let delays: Vec<_> = script.make_backoff().collect();
    assert_eq!(delays, [ms(5), ms(7)]);
    assert_eq!(script.delay_cap(), None);
    assert_eq!(
        Backoff::constant(ms(5)).delay_cap(),
        Backoff::DEFAULT_MAX_DELAY
    );
}
