/**
 * The kernel selftests defined in ./waits.ts (`test_wait_any`, `test_wait_all`, `wait_args_validation`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { testWaitAll, testWaitAny, waitArgsValidation } from "./waits.ts";

testOnEveryBackend(testWaitAny);
testOnEveryBackend(testWaitAll);
testOnEveryBackend(waitArgsValidation);
