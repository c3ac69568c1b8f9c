/**
 * Wine's `ok()` for the ported tests: each call is one of the C file's
 * checks, with Wine's expected value; a failure throws with Wine's message.
 * Checks are counted per thread (the ported-check count in the README is
 * the static count of `ok(` sites, listed in tests/nt/SKIPPED.md).
 *
 * @module
 */

import { backendsUnderTest } from "../_backends.ts";
import type { Backend } from "../../mod.ts";
import { Kernel32 } from "../../nt/mod.ts";

let passed = 0;

/** One Wine check: throws `message` unless `condition`. */
export function ok(condition: unknown, message: string): void {
  if (!condition) throw new Error(`ok() failed: ${message}`);
  passed++;
}

/** Checks that passed in this thread so far. */
export function checksPassed(): number {
  return passed;
}

/** `0x%08x` of a status. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Register one Deno test per backend under Wine's test function name,
 * e.g. `emulated: ntdll:sync test_event`.
 */
export function wineTest(
  file: string,
  name: string,
  fn: (backend: Backend) => void | Promise<void>,
): void {
  for (const backend of backendsUnderTest()) {
    Deno.test(`${backend.kind}: ${file} ${name}`, () => fn(backend));
  }
}

/**
 * Start and join one thread running `threads`' `nop` export, without
 * blocking the event loop. Under `deno test` a Worker's first start
 * type-checks its module graph, which can take longer than the timeouts
 * Wine gives a new thread; the ported tests block right after
 * `CreateThread`, as Wine's do, so each test module warms its thread module
 * up once first.
 */
export async function warmUpThreads(threads: string): Promise<void> {
  const k32 = Kernel32.open("emulated");
  try {
    const thread = k32.CreateThread(threads, "nop", null);
    await k32.threadStarted(thread);
    await k32.joinThreads();
  } finally {
    k32.close();
  }
}
