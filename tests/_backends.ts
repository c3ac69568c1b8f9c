/**
 * Which backends the test suite runs on.
 *
 * By default: the emulated engine, plus the native backend when
 * `/dev/ntsync` works here. `NTSYNC_TEST_BACKENDS=native,emulated` names them
 * explicitly and fails loudly when one cannot be opened (the real-kernel VM
 * sets it, so a broken native backend cannot silently skip).
 *
 * @module
 */

import { getBackend } from "../select/registry.ts";
import type { Backend, BackendKind } from "../core/backend.ts";
import type { ConformanceTest } from "../conformance/session.ts";

function requested(): BackendKind[] | undefined {
  const raw = Deno.env.get("NTSYNC_TEST_BACKENDS");
  if (!raw) return undefined;
  return raw.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    if (s !== "native" && s !== "emulated") {
      throw new Error(`NTSYNC_TEST_BACKENDS: unknown backend ${s}`);
    }
    return s;
  });
}

/** The backends every conformance test is run on, in a fixed order. */
export function backendsUnderTest(): Backend[] {
  const names = requested();
  if (names) return names.map((n) => getBackend(n));
  const list = [getBackend("emulated")];
  try {
    list.unshift(getBackend("native"));
  } catch {
    // no usable /dev/ntsync here: the emulated engine alone
  }
  return list;
}

/**
 * Register conformance check `check` as one Deno test per backend
 * (`emulated: semaphore_state`, `native: wake_all`, ...). Called from the
 * `_test.ts` beside the module that defines the check, so a failure points
 * at the file that says what it tests.
 */
export function testOnEveryBackend(check: ConformanceTest): void {
  for (const backend of backendsUnderTest()) {
    Deno.test(`${backend.kind}: ${check.name}`, () => check.run(backend));
  }
}
