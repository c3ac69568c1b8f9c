/**
 * The kernel selftests defined in ./alert.ts (`alert_any`, `alert_all`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { alertAll, alertAny } from "./alert.ts";

testOnEveryBackend(alertAny);
testOnEveryBackend(alertAll);
