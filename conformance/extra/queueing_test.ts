/**
 * The extra conformance checks defined in ./queueing.ts (`manual_pulse_wakes_all`, `auto_pulse_wakes_one_fifo`, `semaphore_fifo`, `wait_all_before_wait_any`, `handoff_no_steal`, `close_during_wait`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import {
  autoPulseWakesOneFifo,
  closeDuringWait,
  handoffNoSteal,
  manualPulseWakesAll,
  semaphoreFifo,
  waitAllBeforeWaitAny,
} from "./queueing.ts";

testOnEveryBackend(manualPulseWakesAll);
testOnEveryBackend(autoPulseWakesOneFifo);
testOnEveryBackend(semaphoreFifo);
testOnEveryBackend(waitAllBeforeWaitAny);
testOnEveryBackend(handoffNoSteal);
testOnEveryBackend(closeDuringWait);
