/**
 * The information classes of `NtQueryEvent`, `NtQueryMutant` and
 * `NtQuerySemaphore`, as objects with the C structs' field names (the
 * `sizeof` of each C struct is its `size`, what the `length` argument must
 * be).
 *
 * @module
 */

/** `EventBasicInformation`, the only event information class. */
export const EventBasicInformation = 0;
/** `MutantBasicInformation`. */
export const MutantBasicInformation = 0;
/** `SemaphoreBasicInformation`. */
export const SemaphoreBasicInformation = 0;

/** `EVENT_TYPE` value of a manual-reset event. */
export const NotificationEvent = 0;
/** `EVENT_TYPE` value of an auto-reset event. */
export const SynchronizationEvent = 1;

/** What `memset(&info, 0xcc, sizeof(info))` leaves in a LONG. */
const GARBAGE = 0xCCCC_CCCC | 0;

/**
 * `EVENT_BASIC_INFORMATION`: filled by `NtQueryEvent`.
 *
 * @example
 * ```ts
 * import { EVENT_BASIC_INFORMATION } from "./info.ts";
 * const info = new EVENT_BASIC_INFORMATION();
 * EVENT_BASIC_INFORMATION.size; // 8
 * ```
 */
export class EVENT_BASIC_INFORMATION {
  /** `sizeof(EVENT_BASIC_INFORMATION)`. */
  static readonly size = 8;
  /** `NotificationEvent` (manual) or `SynchronizationEvent` (auto). */
  EventType: number = GARBAGE;
  /** 1 when signaled. */
  EventState: number = GARBAGE;
}

/**
 * `MUTANT_BASIC_INFORMATION`: filled by `NtQueryMutant`.
 *
 * @example
 * ```ts
 * import { MUTANT_BASIC_INFORMATION } from "./info.ts";
 * MUTANT_BASIC_INFORMATION.size; // 8
 * ```
 */
export class MUTANT_BASIC_INFORMATION {
  /** `sizeof(MUTANT_BASIC_INFORMATION)`. */
  static readonly size = 8;
  /** 1 when free, 1 - recursion count when owned. */
  CurrentCount: number = GARBAGE;
  /** True when the calling thread owns it. */
  OwnedByCaller: boolean | number = GARBAGE;
  /** True when its owner died holding it and nobody acquired it since. */
  AbandonedState: boolean | number = GARBAGE;
}

/**
 * `SEMAPHORE_BASIC_INFORMATION`: filled by `NtQuerySemaphore`.
 *
 * @example
 * ```ts
 * import { SEMAPHORE_BASIC_INFORMATION } from "./info.ts";
 * SEMAPHORE_BASIC_INFORMATION.size; // 8
 * ```
 */
export class SEMAPHORE_BASIC_INFORMATION {
  /** `sizeof(SEMAPHORE_BASIC_INFORMATION)`. */
  static readonly size = 8;
  /** The count. */
  CurrentCount: number = GARBAGE;
  /** The maximum count. */
  MaximumCount: number = GARBAGE;
}
