/**
 * The kernel selftests defined in ./state.ts (`semaphore_state`, `mutex_state`, `manual_event_state`, `auto_event_state`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import {
  autoEventState,
  manualEventState,
  mutexState,
  semaphoreState,
} from "./state.ts";

testOnEveryBackend(semaphoreState);
testOnEveryBackend(mutexState);
testOnEveryBackend(manualEventState);
testOnEveryBackend(autoEventState);
