/**
 * Conformance checks of the ioctl surface: the kernel's ntsync selftests,
 * ported, and extra checks of what they miss. Each is `{ name, run(backend) }`
 * so `deno test` and the `doctor` CLI run the same code.
 *
 * @example
 * ```ts
 * import { getBackend } from "../mod.ts";
 * import { SELFTESTS } from "./mod.ts";
 * for (const t of SELFTESTS) await t.run(getBackend("emulated"));
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
