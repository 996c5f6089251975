//! A counting global allocator: wraps another allocator ([`System`] unless told otherwise) and,
//! while counting is switched on, adds every allocation to process-wide atomic totals and to the
//! calling thread's own totals. It only measures when the binary installs it as
//! `#[global_allocator]`; [`installed`] finds out.
//!
//! Counting is off by default so that timed runs pay one relaxed load per allocation, not a
//! contended atomic add; `overhead` switches it on only for its allocation and leak passes.
//! Threads marked with [`exclude_current_thread`] (the built-in receiver's) are left out of the
//! process-wide allocation counts, but never out of the live-heap balance, which must stay exact.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// `#[global_allocator] static ALLOC: CountingAllocator = CountingAllocator::new();`, or
/// `CountingAllocator::wrapping(other)` to count around another allocator.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator<A = System> {
    inner: A,
}

impl CountingAllocator<System> {
    pub const fn new() -> Self {
        CountingAllocator { inner: System }
    }
}

impl<A: GlobalAlloc> CountingAllocator<A> {
    pub const fn wrapping(inner: A) -> Self {
        CountingAllocator { inner }
    }
}

static COUNTING: AtomicBool = AtomicBool::new(false);
/// Allocations (and reallocations) made by threads that are not excluded.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);
/// Every byte allocated and freed while counting, excluded threads included: the live-heap balance.
static BALANCE_ALLOCATED: AtomicU64 = AtomicU64::new(0);
static BALANCE_FREED: AtomicU64 = AtomicU64::new(0);

struct ThreadCounts {
    allocations: Cell<u64>,
    bytes: Cell<u64>,
    excluded: Cell<bool>,
}

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates, so it is safe to
    // touch from inside the allocator, even while a thread is being torn down.
    static THREAD: ThreadCounts = const {
        ThreadCounts {
            allocations: Cell::new(0),
            bytes: Cell::new(0),
            excluded: Cell::new(false),
        }
    };
}

fn record_allocation(bytes: usize) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    let bytes = bytes as u64;
    BALANCE_ALLOCATED.fetch_add(bytes, Ordering::Relaxed);
    let excluded = THREAD
        .try_with(|t| {
            if !t.excluded.get() {
                t.allocations.set(t.allocations.get() + 1);
                t.bytes.set(t.bytes.get() + bytes);
            }
            t.excluded.get()
        })
        .unwrap_or(false);
    if !excluded {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(bytes, Ordering::Relaxed);
    }
}

fn record_free(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        BALANCE_FREED.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to the inner allocator with the caller's arguments unchanged; the counting
// around it touches only atomics and a const-initialised thread-local, and never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            record_allocation(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record_allocation(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { self.inner.dealloc(ptr, layout) };
        record_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // A reallocation is counted as a new allocation of the new size and a free of the old.
            record_free(layout.size());
            record_allocation(new_size);
        }
        new
    }
}

/// Allocation totals at one moment; subtract two to get what happened in between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocCounts {
    pub allocations: u64,
    pub bytes: u64,
}

impl AllocCounts {
    pub fn since(self, earlier: AllocCounts) -> AllocCounts {
        AllocCounts {
            allocations: self.allocations.saturating_sub(earlier.allocations),
            bytes: self.bytes.saturating_sub(earlier.bytes),
        }
    }
}

/// Switches counting on or off for the whole process.
pub fn set_counting(on: bool) {
    COUNTING.store(on, Ordering::SeqCst);
}

/// Allocations by every thread that is not excluded, since the process started counting.
pub fn process_counts() -> AllocCounts {
    AllocCounts {
        allocations: ALLOCATIONS.load(Ordering::Relaxed),
        bytes: ALLOCATED_BYTES.load(Ordering::Relaxed),
    }
}

/// Allocations made by the calling thread while counting was on.
pub fn thread_counts() -> AllocCounts {
    THREAD
        .try_with(|t| AllocCounts {
            allocations: t.allocations.get(),
            bytes: t.bytes.get(),
        })
        .unwrap_or_default()
}

/// Bytes allocated minus bytes freed while counting was on, over all threads. Only differences
/// between two readings mean anything: memory allocated before counting started and freed after
/// lowers the balance.
pub fn live_heap_balance() -> i64 {
    let allocated = BALANCE_ALLOCATED.load(Ordering::Relaxed);
    let freed = BALANCE_FREED.load(Ordering::Relaxed);
    allocated as i64 - freed as i64
}

/// Leaves the calling thread out of the process-wide allocation counts (not the live-heap
/// balance). For the threads of in-process helpers such as the built-in receiver.
pub fn exclude_current_thread() {
    let _ = THREAD.try_with(|t| t.excluded.set(true));
}

/// Whether [`CountingAllocator`] is the global allocator: counts one allocation with counting on
/// and sees whether the totals moved. Leaves counting off.
pub fn installed() -> bool {
    set_counting(true);
    let before = thread_counts();
    let probe = std::hint::black_box(Box::new(std::hint::black_box(0u64)));
    drop(probe);
    let after = thread_counts();
    set_counting(false);
    after.allocations > before.allocations
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Counting is process-wide: tests that switch it must not overlap.
    static SWITCH: Mutex<()> = Mutex::new(());

    #[test]
    fn differences_saturate_instead_of_wrapping() {
        let earlier = AllocCounts {
            allocations: 10,
            bytes: 100,
        };
        let later = AllocCounts {
            allocations: 15,
            bytes: 90,
        };
        assert_eq!(
            later.since(earlier),
            AllocCounts {
                allocations: 5,
                bytes: 0
            }
        );
    }

    #[test]
    fn the_library_test_binary_has_no_counting_allocator() {
        let _serial = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        // The allocator is installed by the otlp-doctor binary only; here nothing counts.
        assert!(!installed());
    }

    #[test]
    fn counting_through_the_allocator_counts_the_calling_thread() {
        let _serial = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        let allocator = CountingAllocator::new();
        let layout = Layout::from_size_align(48, 8).expect("valid layout");
        set_counting(true);
        let before = thread_counts();
        // SAFETY: a non-zero-sized layout, freed with the same layout right after.
        unsafe {
            let ptr = allocator.alloc(layout);
            assert!(!ptr.is_null());
            allocator.dealloc(ptr, layout);
        }
        let counted = thread_counts().since(before);
        set_counting(false);
        assert_eq!(counted.allocations, 1);
        assert_eq!(counted.bytes, 48);
    }
}
