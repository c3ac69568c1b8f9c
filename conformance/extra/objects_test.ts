/**
 * The extra conformance checks defined in ./objects.ts (`create_lowest_free_fd`, `event_args_booleans`, `semaphore_extremes`, `mutex_create_validation`, `mutex_abandoned`, `mutex_owner_high_bit`, `mutex_recursion_limit`, `eownerdead_only_if_acquired`, `mutex_duplicates`, `close_device_keeps_objects`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
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
} from "./objects.ts";

testOnEveryBackend(createLowestFreeFd);
testOnEveryBackend(eventArgsBooleans);
testOnEveryBackend(semaphoreExtremes);
testOnEveryBackend(mutexCreateValidation);
testOnEveryBackend(mutexAbandoned);
testOnEveryBackend(mutexOwnerHighBit);
testOnEveryBackend(mutexRecursionLimit);
testOnEveryBackend(eownerdeadOnlyIfAcquired);
testOnEveryBackend(mutexDuplicates);
testOnEveryBackend(closeDeviceKeepsObjects);
