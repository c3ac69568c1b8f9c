/**
 * The extra conformance checks defined in ./threads.ts (`thread_ids`, `reap_revokes`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { reapRevokes, threadIds } from "./threads.ts";

testOnEveryBackend(threadIds);
testOnEveryBackend(reapRevokes);
