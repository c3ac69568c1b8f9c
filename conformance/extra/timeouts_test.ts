/**
 * The extra conformance checks defined in ./timeouts.ts (`timeout_in_past`, `timeout_huge_is_infinite`, `relative_timeout_50ms`, `realtime_deadline`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import {
  realtimeDeadline,
  relativeTimeout50ms,
  timeoutHugeIsInfinite,
  timeoutInPast,
} from "./timeouts.ts";

testOnEveryBackend(timeoutInPast);
testOnEveryBackend(timeoutHugeIsInfinite);
testOnEveryBackend(relativeTimeout50ms);
testOnEveryBackend(realtimeDeadline);
