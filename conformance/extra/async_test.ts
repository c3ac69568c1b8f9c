/**
 * The extra conformance checks defined in ./async.ts (`ioctl_async_wait`, `ioctl_async_abort`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import { ioctlAsyncAbort, ioctlAsyncWait } from "./async.ts";

testOnEveryBackend(ioctlAsyncWait);
testOnEveryBackend(ioctlAsyncAbort);
