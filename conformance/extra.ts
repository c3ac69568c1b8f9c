/**
 * Conformance checks beyond the kernel selftests: what spec §0–§3 and the
 * ioctl-surface contract promise that the selftests never exercise.
 *
 * @module
 */

import type { ConformanceTest } from "./session.ts";
import {
  efaultPoints,
  noWriteOnError,
  requestCodesEnotty,
  wrongTypeEinval,
} from "./extra/surface.ts";
import {
  closeDeviceKeepsObjects,
  createLowestFreeFd,
  eownerdeadOnlyIfAcquired,
  eventArgsBooleans,
  mutexAbandoned,
  mutexCreateValidation,
  mutexDuplicates,
  mutexOwnerHighBit,
  mutexRecursionLimit,
  semaphoreExtremes,
} from "./extra/objects.ts";
import {
  alertAnyType,
  alertInObjs,
  badFdsInWaits,
  countLimitBeforeObjs,
  ownerZero,
  padAndFlags,
  waitCountZero,
} from "./extra/wait_args.ts";
import {
  realtimeDeadline,
  relativeTimeout50ms,
  timeoutHugeIsInfinite,
  timeoutInPast,
} from "./extra/timeouts.ts";
import {
  autoPulseWakesOneFifo,
  closeDuringWait,
  handoffNoSteal,
  manualPulseWakesAll,
  semaphoreFifo,
  waitAllBeforeWaitAny,
} from "./extra/queueing.ts";
import { ioctlAsyncAbort, ioctlAsyncWait } from "./extra/async.ts";
import { reapRevokes, threadIds } from "./extra/threads.ts";

/** Every extra check, each `{ name, run(backend) }`. */
export const EXTRA_CHECKS: readonly ConformanceTest[] = Object.freeze([
  requestCodesEnotty,
  wrongTypeEinval,
  efaultPoints,
  noWriteOnError,
  createLowestFreeFd,
  eventArgsBooleans,
  semaphoreExtremes,
  mutexCreateValidation,
  mutexAbandoned,
  mutexOwnerHighBit,
  mutexRecursionLimit,
  eownerdeadOnlyIfAcquired,
  mutexDuplicates,
  closeDeviceKeepsObjects,
  waitCountZero,
  alertInObjs,
  alertAnyType,
  countLimitBeforeObjs,
  padAndFlags,
  ownerZero,
  badFdsInWaits,
  timeoutInPast,
  timeoutHugeIsInfinite,
  relativeTimeout50ms,
  realtimeDeadline,
  manualPulseWakesAll,
  autoPulseWakesOneFifo,
  semaphoreFifo,
  waitAllBeforeWaitAny,
  handoffNoSteal,
  closeDuringWait,
  ioctlAsyncWait,
  ioctlAsyncAbort,
  threadIds,
  reapRevokes,
]);
