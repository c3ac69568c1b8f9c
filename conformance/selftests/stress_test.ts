/**
 * The kernel selftests defined in ./stress.ts (`stress_wait`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { stressWait } from "./stress.ts";

testOnEveryBackend(stressWait);
