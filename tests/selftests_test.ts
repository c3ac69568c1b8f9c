/**
 * The kernel's ntsync selftests, one Deno test per selftest per backend
 * (`emulated: semaphore_state`, `native: wake_all`, …). The same file runs
 * unchanged on the native backend in the real-kernel VM.
 */

import { SELFTESTS } from "../conformance/selftests.ts";
import { backendsUnderTest } from "./_backends.ts";

for (const backend of backendsUnderTest()) {
  for (const selftest of SELFTESTS) {
    Deno.test(`${backend.kind}: ${selftest.name}`, () => selftest.run(backend));
  }
}
