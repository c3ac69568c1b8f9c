/**
 * The Linux kernel's ntsync selftests
 * (`tools/testing/selftests/drivers/ntsync/ntsync.c`), ported to the ioctl
 * surface, in the kernel file's order.
 *
 * @module
 */

import type { ConformanceTest } from "./session.ts";
import {
  autoEventState,
  manualEventState,
  mutexState,
  semaphoreState,
} from "./selftests/state.ts";
import {
  testWaitAll,
  testWaitAny,
  waitArgsValidation,
} from "./selftests/waits.ts";
import { wakeAll, wakeAny } from "./selftests/wake.ts";
import { alertAll, alertAny } from "./selftests/alert.ts";
import { stressWait } from "./selftests/stress.ts";

/** The 12 selftests, each `{ name, run(backend) }`. */
export const SELFTESTS: readonly ConformanceTest[] = Object.freeze([
  semaphoreState,
  mutexState,
  manualEventState,
  autoEventState,
  testWaitAny,
  testWaitAll,
  wakeAny,
  wakeAll,
  alertAny,
  alertAll,
  stressWait,
  waitArgsValidation,
]);
