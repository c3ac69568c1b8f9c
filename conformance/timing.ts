/**
 * The time parameters of the threaded checks, in one place.
 *
 * The C selftests give a waiter a deadline of now + 1000 ms when it is meant
 * to be woken, now + 200 ms when it is meant to time out after its objects
 * are closed, and check "still blocked" after 100 ms. Those numbers assume a
 * pthread on real hardware. Here a thread is a Worker reached by message,
 * and the suite also runs under qemu TCG on a shared 2-core machine, where
 * everything is 10–100× slower. The deadlines are therefore safety nets,
 * not semantics: what is asserted is the waiter's `ret`, `errno` and
 * `index`, so a longer net never lets a wrong result pass. "Still blocked
 * after 100 ms" is kept exactly (a longer wait would only be stricter).
 *
 * @module
 */

/** wait_for_thread(t, 100): how long a waiter must stay blocked. */
export const BLOCKED_MS = 100;

/** Deadline of a waiter that is meant to be woken (C: 1000 ms). */
export const WAKE_DEADLINE_MS = 10_000;

/**
 * Deadline of a waiter that is meant to time out after its objects are
 * closed (C: 200 ms): it must outlast the 100 ms "still blocked" check plus
 * the message round trip, even under emulation.
 */
export const EXPIRE_DEADLINE_MS = 1000;

/** How long "the thread has returned" may take to be reported. */
export const EXIT_ALLOWANCE_MS = 30_000;

/** How long a Worker may take to start (its first start type-checks it). */
export const SPAWN_LIMIT_MS = 300_000;

/**
 * Deadline of an `ioctlAsync` wait meant to be satisfied by a timer. The
 * native backend's first async wait starts its wait thread while holding
 * the caller (about 11 s under qemu TCG), so the timer can only run after
 * that; the deadline must outlast it.
 */
export const ASYNC_WAKE_DEADLINE_MS = 60_000;
