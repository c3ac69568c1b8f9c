/**
 * Conformance checks beyond the kernel selftests (docs/semantics.md and the
 * ioctl surface's contract in the README), one Deno test per check per backend
 * (`emulated: efault_points`, …).
 */

import { EXTRA_CHECKS } from "../conformance/extra.ts";
import { backendsUnderTest } from "./_backends.ts";

for (const backend of backendsUnderTest()) {
  for (const check of EXTRA_CHECKS) {
    Deno.test(`${backend.kind}: ${check.name}`, () => check.run(backend));
  }
}
