//! Ctrl-C on the terminal while an entry runs: it cancels the running query (through the
//! query's [`Cancel`] handle) and the REPL goes on, as in a shell.
//!
//! While the line editor waits for input it reads Ctrl-C as a key (it drops the unfinished
//! form). While an entry runs the terminal is back in cooked mode, so Ctrl-C is a SIGINT: the
//! line editor's own handler would only queue it for the next prompt, leaving a long query
//! running. So for the time of one entry a handler of ours takes SIGINT; it only sets a flag
//! (all a signal handler may safely do), and a watcher thread turns the flag into
//! [`Cancel::cancel`]. A transaction is not interrupted: it commits or fails whole.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use datolite::Cancel;

/// Set by the SIGINT handler while an entry runs.
#[cfg(unix)]
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The SIGINT handler: async-signal-safe, it only stores to an atomic.
#[cfg(unix)]
extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// How often the watcher looks at the flag: well under a human's reaction to a key press.
const POLL: Duration = Duration::from_millis(20);

/// Runs `work` with SIGINT tripping `cancel` instead of its usual handler, which is restored
/// afterwards.
#[cfg(unix)]
pub fn cancel_on_interrupt<T>(cancel: &Cancel, work: impl FnOnce() -> T) -> T {
    INTERRUPTED.store(false, Ordering::Relaxed);
    // SAFETY: a zeroed `sigaction` is a valid value to fill in; the handler is an
    // `extern "C" fn(c_int)`, as `sa_sigaction` without SA_SIGINFO expects.
    let previous = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(libc::SIGINT, &action, &mut previous) == 0).then_some(previous)
    };
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if INTERRUPTED.load(Ordering::Relaxed) {
                    cancel.cancel();
                    return;
                }
                std::thread::sleep(POLL);
            }
        });
        // Set however `work` ends — a panic too, or the scope would wait for the watcher.
        struct Done<'a>(&'a AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let _done = Done(&done);
        work()
    });
    if let Some(previous) = previous {
        // SAFETY: `previous` is the action sigaction returned for SIGINT above.
        unsafe {
            libc::sigaction(libc::SIGINT, &previous, std::ptr::null_mut());
        }
    }
    result
}

/// Runs `work`: without POSIX signals, Ctrl-C keeps its usual effect.
#[cfg(not(unix))]
pub fn cancel_on_interrupt<T>(_cancel: &Cancel, work: impl FnOnce() -> T) -> T {
    work()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_sigint_during_the_work_cancels_it_and_the_handler_goes_back() {
        let cancel = Cancel::new();
        let seen = cancel_on_interrupt(&cancel, || {
            // SAFETY: raising a signal whose handler (ours, just installed) sets a flag.
            unsafe {
                libc::raise(libc::SIGINT);
            }
            // The watcher trips the handle within a poll or two.
            for _ in 0..500 {
                if cancel.is_cancelled() {
                    return true;
                }
                std::thread::sleep(POLL / 4);
            }
            false
        });
        assert!(seen);
        // Without a signal, nothing is cancelled.
        let calm = Cancel::new();
        cancel_on_interrupt(&calm, || std::thread::sleep(POLL * 2));
        assert!(!calm.is_cancelled());
    }
}
