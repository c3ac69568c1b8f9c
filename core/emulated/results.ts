/**
 * The engine's internal results, by name. An ioctl's own result is a
 * number >= 0 or a negated errno (-1 .. -4095, as the kernel returns
 * them); the steps in between also answer "not decided here" or "done
 * already", and each such answer has a name and a value outside both
 * ranges, so that no step's answer is ever read as an ioctl's result.
 *
 * @module
 */

/**
 * A lock-free path (fast.ts, WaitStarter#tryFast) cannot decide: the call
 * takes the locked path, which decides it (and reports any error in the
 * kernel's order).
 */
export const SLOW_PATH = -0x8000_0000;
/**
 * WaitStarter#tryFast: the locked path's, but the wait has spun already
 * (its event stayed unsignaled for the whole spin budget): queue without
 * another spin.
 */
export const SLOW_PATH_SPUN = SLOW_PATH + 1;
/** EventFastPath#acquire and #spinAcquire: the event is not signaled. */
export const NOT_SIGNALED = -0x4000_0003;
/**
 * WaitStarter#start, told not to queue: the wait would have queued (so the
 * caller may spin on the objects, then start again).
 */
export const WOULD_QUEUE = 1;
/** WaitCalls#startWait: the wait finished without queueing. */
export const DONE_AT_ONCE = -0x4000_0000;
/** WaitCalls#sleepAsync: the abort signal withdrew the wait. */
export const ABORTED = -0x4000_0001;

/** SharedState#tryAcquireAll: every object acquired, none abandoned. */
export const ALL_ACQUIRED = 0;
/** SharedState#tryAcquireAll: every object acquired, an abandoned mutex among them. */
export const ALL_ACQUIRED_ABANDONED = 1;
/** SharedState#tryAcquireAll: not all signaled; nothing acquired. */
export const NOT_ALL_SIGNALED = -0x4000_0002;
