//! The generic [`paginate`] stream on a plain executor: order, laziness, prefetch and errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ferry_http::paginate::{Page, paginate};
use futures::executor::block_on;
use futures::{StreamExt, future};

/// Pages of `size` numbers out of `total`, keyed by offset; counts fetches.
fn numbers(
    total: u32,
    size: u32,
    fetches: Arc<AtomicU32>,
) -> impl FnMut(u32) -> future::Ready<Result<Page<u32, u32>, String>> {
    move |offset| {
        fetches.fetch_add(1, Ordering::SeqCst);
        let end = (offset + size).min(total);
        let next = (end < total).then_some(end);
        future::ready(Ok(Page::new((offset..end).collect(), next)))
    }
}

#[test]
fn items_come_in_page_order_across_pages() {
    let fetches = Arc::new(AtomicU32::new(0));
    let all: Vec<u32> = block_on(
        paginate(0, numbers(10, 3, fetches.clone()))
            .map(Result::unwrap)
            .collect(),
    );
    assert_eq!(all, (0..10).collect::<Vec<_>>());
    assert_eq!(fetches.load(Ordering::SeqCst), 4);
}

#[test]
fn nothing_is_fetched_until_polled_and_then_one_page_at_a_time() {
    let fetches = Arc::new(AtomicU32::new(0));
    let mut pages = paginate(0, numbers(10, 3, fetches.clone()));
    assert_eq!(fetches.load(Ordering::SeqCst), 0);
    for expected in 0..3 {
        assert_eq!(block_on(pages.next()), Some(Ok(expected)));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(pages.pages_fetched(), 1);
    assert_eq!(block_on(pages.next()), Some(Ok(3)));
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[test]
fn prefetch_fetches_at_most_n_pages_beyond_the_current_one() {
    let fetches = Arc::new(AtomicU32::new(0));
    let mut pages = paginate(0, numbers(100, 3, fetches.clone())).prefetch(2);
    for expected in 0..3 {
        assert_eq!(block_on(pages.next()), Some(Ok(expected)));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
}

#[test]
fn an_error_comes_after_the_items_before_it_and_ends_the_stream() {
    let results: Vec<Result<u32, String>> = block_on(
        paginate(0u32, |offset| {
            future::ready(if offset == 0 {
                Ok(Page::new(vec![1, 2], Some(2)))
            } else {
                Err(format!("page at {offset} failed"))
            })
        })
        .collect(),
    );
    assert_eq!(results, [Ok(1), Ok(2), Err("page at 2 failed".to_owned())]);
}

#[test]
fn empty_pages_with_more_after_them_are_skipped() {
    let results: Vec<Result<u32, String>> = block_on(
        paginate(0u32, |n| {
            future::ready(Ok(match n {
                0 | 1 => Page::new(vec![], Some(n + 1)),
                2 => Page::new(vec![7], Some(3)),
                _ => Page::last(vec![]),
            }))
        })
        .collect(),
    );
    assert_eq!(results, [Ok(7)]);
}
