/**
 * What the reap tests' Worker (`_reaped_worker.ts`) is asked to do, and the
 * shared words they count in.
 *
 * @module
 */

import type { DeviceToken } from "../../core/api/device.ts";

/** Block in one infinite wait on `objs` (fds), then report how it ended. */
export interface BlockJob {
  kind: "block";
  all: boolean;
  sems: number[];
  events: number[];
  async: boolean;
}

/**
 * Loop over ioctl calls without ever returning to the event loop (so that
 * Deno's `terminate()` cannot stop it): release `sem` by 1 (then add 1 to
 * `words[LOOP_RELEASED]`), set `event` (`words[LOOP_EVENT] = 1`), reset it
 * (`= 0`); stop at the first error.
 */
export interface LoopJob {
  kind: "loop";
  sem: number;
  event: number;
  words: SharedArrayBuffer;
}

/**
 * Acquire `mutexes` (owner: `owners[i]`, or the thread's id), then block on
 * `sem` (or, for -1, return to the event loop).
 */
export interface HoldJob {
  kind: "hold";
  mutexes: number[];
  owners: (number | undefined)[];
  sem: number;
}

/** The stress loop (see stress/reap_cycles_test.ts). */
export interface VictimJob {
  kind: "victim";
  index: number;
  poll: boolean;
  sem: number;
  mutex: number;
  words: SharedArrayBuffer;
}

/** Release `sem` while its count is below 2, until `words[STOP]` is set. */
export interface ReleaserJob {
  kind: "releaser";
  sem: number;
  words: SharedArrayBuffer;
}

/** Any job. */
export type Job = BlockJob | LoopJob | HoldJob | VictimJob | ReleaserJob;

/** The first message to the Worker. */
export interface Init {
  token: DeviceToken;
  job: Job;
}

/** What the Worker posts: first `ready`, then how its job ended. */
export type Report =
  | { kind: "ready"; threadId: number }
  | { kind: "holding" }
  | { kind: "waiting" }
  | { kind: "ended"; status?: string; errno?: number; error?: string };

/** LoopJob words. */
export const LOOP_RELEASED = 0;
/** LoopJob: the event's state as the loop last left it. */
export const LOOP_EVENT = 1;
/** LoopJob: iterations started. */
export const LOOP_ROUNDS = 2;

// VictimJob / ReleaserJob words.
/** Units released by the releasers. */
export const RELEASED = 0;
/** Units victims acquired (counted after the wait returned). */
export const TAKEN = 1;
/** The victim (index + 1) inside the critical section, 0: none. */
export const HOLDER = 2;
/** Violations seen (an explanation is posted too). */
export const VIOLATIONS = 3;
/** Set by the main thread: releasers stop. */
export const STOP = 4;
/** Critical sections entered. */
export const ENTERED = 5;
/** Acquisitions of the mutex that reported it abandoned. */
export const ABANDONED = 6;
/** Victims: per index, 1 once marked for reaping (before reap is called). */
export const REAPED_AT = 16;
/** Victims: per index, 1 running, 2 stopped. */
export const STATE_AT = REAPED_AT + 1024;
/** Victims: per index, the errno that stopped it. */
export const ERRNO_AT = STATE_AT + 1024;
/** Words of a victims' block. */
export const VICTIM_WORDS = ERRNO_AT + 1024;
