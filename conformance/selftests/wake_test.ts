/**
 * The kernel selftests defined in ./wake.ts (`wake_any`, `wake_all`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { wakeAll, wakeAny } from "./wake.ts";

testOnEveryBackend(wakeAny);
testOnEveryBackend(wakeAll);
