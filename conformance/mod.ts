/**
 * Conformance checks of the ioctl surface: the kernel's ntsync selftests,
 * ported, and extra checks of what they miss. Each is `{ name, run(backend) }`
 * so `deno test` and the `doctor` CLI run the same code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../mod.ts";
 * import { SELFTESTS } from "./mod.ts";
 * assert.ok(SELFTESTS.some((t) => t.name === "semaphore_state"));
 * for (const t of SELFTESTS) await t.run(getBackend("emulated")); // throws on a failed check
 * ```
 *
 * @module
 */

export { SELFTESTS } from "./selftests.ts";
export { EXTRA_CHECKS } from "./extra.ts";
export type { ConformanceTest } from "./session.ts";
export type {
  Backend,
  BackendKind,
  ClockName,
  IoctlAsyncOptions,
  ShareToken,
} from "../core/backend.ts";
