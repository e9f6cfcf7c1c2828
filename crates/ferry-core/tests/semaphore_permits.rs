//! What permits can do: move across threads, forget, merge, split; and the permit ceiling.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferry_core::semaphore::{Semaphore, TooManyPermits};
use futures::executor::{ThreadPool, block_on};
use futures::future::join_all;
use futures::task::SpawnExt;

#[test]
fn owned_permits_move_into_tasks_on_other_threads() {
    let pool = ThreadPool::builder().pool_size(2).create().unwrap();
    let semaphore = Arc::new(Semaphore::new(2));
    let held = Arc::new(AtomicUsize::new(0));
    let most_held = Arc::new(AtomicUsize::new(0));

    let tasks = (0..16).map(|_| {
        let acquire = semaphore.clone().acquire_owned();
        let (held, most_held) = (held.clone(), most_held.clone());
        pool.spawn_with_handle(async move {
            let permit = acquire.await.unwrap();
            let now = held.fetch_add(1, Ordering::SeqCst) + 1;
            most_held.fetch_max(now, Ordering::SeqCst);
            // Hand the permit to a plain thread, which gives it back from there.
            let held = held.clone();
            std::thread::spawn(move || {
                held.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
            })
            .join()
            .unwrap();
        })
        .unwrap()
    });
    block_on(join_all(tasks.collect::<Vec<_>>()));

    assert!(most_held.load(Ordering::SeqCst) <= 2);
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn forgotten_permits_are_gone_until_added_again() {
    let semaphore = Semaphore::new(3);
    semaphore.try_acquire_many(2).unwrap().forget();
    assert_eq!(semaphore.available_permits(), 1);
    let owned = Arc::new(Semaphore::new(1));
    owned.clone().try_acquire_owned().unwrap().forget();
    assert_eq!(owned.available_permits(), 0);
    owned.add_permits(1).unwrap();
    assert_eq!(owned.available_permits(), 1);
}

#[test]
fn merged_permits_are_given_back_together() {
    let semaphore = Semaphore::new(3);
    let mut permit = semaphore.try_acquire().unwrap();
    permit
        .merge(semaphore.try_acquire_many(2).unwrap())
        .unwrap();
    assert_eq!(permit.num_permits(), 3);
    assert_eq!(semaphore.available_permits(), 0);
    drop(permit);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn merging_a_permit_of_another_semaphore_hands_it_back_untouched() {
    let ours = Semaphore::new(1);
    let theirs = Semaphore::new(2);
    let mut permit = ours.try_acquire().unwrap();
    let error = permit
        .merge(theirs.try_acquire_many(2).unwrap())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot merge permits of two different semaphores"
    );
    let foreign = error.into_permit();
    assert!(std::ptr::eq(foreign.semaphore(), &theirs));
    assert_eq!((permit.num_permits(), foreign.num_permits()), (1, 2));
    drop(foreign);
    assert_eq!(theirs.available_permits(), 2);

    let ours = Arc::new(Semaphore::new(1));
    let theirs = Arc::new(Semaphore::new(1));
    let mut permit = ours.clone().try_acquire_owned().unwrap();
    let foreign = permit
        .merge(theirs.clone().try_acquire_owned().unwrap())
        .unwrap_err()
        .into_permit();
    assert!(Arc::ptr_eq(foreign.semaphore(), &theirs));
}

#[test]
fn split_takes_some_permits_off_or_changes_nothing() {
    let semaphore = Arc::new(Semaphore::new(4));
    let mut permit = semaphore.clone().try_acquire_many_owned(3).unwrap();
    assert!(permit.split(4).is_none());
    assert_eq!(permit.num_permits(), 3);
    let part = permit.split(2).unwrap();
    assert_eq!((permit.num_permits(), part.num_permits()), (1, 2));
    drop(part);
    assert_eq!(semaphore.available_permits(), 3);
    let mut permit_again = permit;
    permit_again
        .merge(semaphore.clone().try_acquire_owned().unwrap())
        .unwrap();
    assert_eq!(permit_again.num_permits(), 2);
}

#[test]
fn new_saturates_at_the_maximum() {
    let semaphore = Semaphore::new(usize::MAX);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn adding_past_the_maximum_is_refused_and_adds_nothing() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    let error: TooManyPermits = semaphore.add_permits(2).unwrap_err();
    assert_eq!(
        (error.added(), error.existing()),
        (2, Semaphore::MAX_PERMITS - 1)
    );
    assert!(
        error.to_string().contains("cannot add 2 permit(s)"),
        "{error}"
    );
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS - 1);
    assert!(semaphore.add_permits(usize::MAX).is_err());
    semaphore.add_permits(1).unwrap();
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn held_permits_count_towards_the_maximum_and_forgotten_ones_do_not() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    let held = semaphore.try_acquire_many(Semaphore::MAX_PERMITS).unwrap();
    assert_eq!(semaphore.available_permits(), 0);
    // Adding now would let the free count overflow once `held` is given back.
    assert!(semaphore.add_permits(1).is_err());
    held.forget();
    semaphore.add_permits(5).unwrap();
    assert_eq!(semaphore.available_permits(), 5);
}

#[test]
fn a_request_larger_than_the_maximum_waits_until_close() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    let mut huge = Box::pin(semaphore.acquire_many(usize::MAX));
    assert!(futures::FutureExt::now_or_never(&mut huge).is_none());
    assert_eq!(semaphore.available_permits(), 0);
    semaphore.close();
    assert!(block_on(huge).is_err());
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn semaphores_permits_and_acquires_can_be_shared_and_sent_between_threads() {
    fn shared_and_sent<T: Send + Sync>() {}
    shared_and_sent::<Semaphore>();
    shared_and_sent::<ferry_core::semaphore::SemaphorePermit<'static>>();
    shared_and_sent::<ferry_core::semaphore::OwnedSemaphorePermit>();
    shared_and_sent::<ferry_core::semaphore::Acquire<'static>>();
    shared_and_sent::<ferry_core::semaphore::AcquireOwned>();
}
