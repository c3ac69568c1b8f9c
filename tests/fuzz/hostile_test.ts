/**
 * The hostile-input catalogue (catalogue.ts) on every backend under test:
 * each entry must give the kernel's errno, write the same bytes as the model
 * and leave every object in the model's state. Then the timeouts that can
 * only be tested by blocking: 2^63 and above never expire.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "../_backends.ts";
import { queuedWaits, untilQueued } from "../_blocked.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import { NtsyncError } from "../../core/errors.ts";
import { createSem, fdOf, readSem } from "../_tuples.ts";
import { catalogue, SETUP, SETUP_RESULTS } from "./catalogue.ts";
import { describeMismatch, runSequence } from "./runner.ts";
import { MODEL, subjectOf } from "./subjects.ts";

/**
 * Timeouts that never expire, as [timeout, flags]: U64_MAX on both clocks,
 * and on CLOCK_MONOTONIC everything from 2^63 (ntsync_schedule()).
 */
const NEVER_EXPIRE: readonly [bigint, number][] = [
  [1n << 63n, 0],
  [(1n << 63n) + 1n, 0],
  [(1n << 64n) - 2n, 0],
  [(1n << 64n) - 1n, 0],
  [(1n << 64n) - 1n, 1],
];

/**
 * Timeouts that the real driver (Linux 7.2.13, measured in the VM with
 * tests/fuzz/probe_timeouts.ts) expires at once on CLOCK_REALTIME although
 * they are 2^63 or more: 2^63 … 2^64-2. Only U64_MAX is infinite there.
 */
const REALTIME_EXPIRED: readonly bigint[] = [
  1n << 63n,
  (1n << 63n) + 1n,
  (1n << 64n) - 2n,
];

for (const backend of backendsUnderTest()) {
  const subject = subjectOf(backend);

  Deno.test(`hostile: ${backend.kind} answers the catalogue like the kernel`, () => {
    const failures: string[] = [];
    const cases = catalogue();
    for (const c of cases) {
      const ops = [...SETUP, ...(c.before ?? []), c.op];
      const result = runSequence([MODEL, subject], ops);
      if (result.mismatch) {
        failures.push(`${c.name}\n${describeMismatch(ops, result.mismatch)}`);
        continue;
      }
      const rets = result.trace.map((o) => o.ret);
      assert.deepEqual(rets.slice(0, SETUP.length), SETUP_RESULTS, "setup");
      const got = rets[rets.length - 1];
      if (got !== c.expect) {
        failures.push(`${c.name}: got ${got}, expected ${c.expect}`);
      }
    }
    assert.ok(cases.length > 200, "the catalogue lost entries");
    assert.deepEqual(failures, [], failures.join("\n\n"));
  });

  Deno.test(`hostile: ${backend.kind} never times out a wait at 2^63 and above`, async () => {
    const dev = backend.open();
    const sem = fdOf(createSem(backend, dev, 0, 1));
    const objs = new Int32Array([sem]);
    try {
      for (const [timeout, flags] of NEVER_EXPIRE) {
        const args = WaitArgs.alloc({
          timeout,
          objs: backend.addressOf(objs),
          count: 1,
          index: 0xdead_beef,
          flags,
          owner: 1,
        });
        const started = performance.now();
        let outcome: string | undefined;
        const before = queuedWaits(backend);
        const pending = backend.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args)
          .then(
            (r) => outcome = String(r),
            (e) => outcome = e instanceof NtsyncError ? e.code : String(e),
          );
        // Watch it from the moment it is queued (a wait that never got
        // there would pass blind), unless it has already ended: a timeout
        // read as past ends it at once, with ETIMEDOUT.
        await untilQueued(backend, before, {
          unless: () => outcome !== undefined,
        });
        await new Promise((resolve) => setTimeout(resolve, 30));
        const what = `timeout ${timeout} flags ${flags}`;
        assert.equal(
          outcome,
          undefined,
          `${what}: ended ${outcome} after ${performance.now() - started} ms`,
        );
        backend.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
        await pending;
        assert.equal(outcome, "0", what);
        assert.equal(WaitArgs.read(args).index, 0, what);
        assert.deepEqual(readSem(backend, sem), [0, 0, 1]);
      }
    } finally {
      backend.close(sem);
      backend.close(dev);
    }
  });

  Deno.test(`hostile: ${backend.kind} expires REALTIME timeouts 2^63 … 2^64-2 at once, like Linux 7.2.13`, async () => {
    const dev = backend.open();
    const sem = fdOf(createSem(backend, dev, 0, 1));
    const objs = new Int32Array([sem]);
    const failures: string[] = [];
    try {
      for (const timeout of REALTIME_EXPIRED) {
        const args = WaitArgs.alloc({
          timeout,
          objs: backend.addressOf(objs),
          count: 1,
          index: 0xdead_beef,
          flags: 1,
          owner: 1,
        });
        let outcome: string | undefined;
        const pending = backend.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args)
          .then(
            (r) => outcome = String(r),
            (e) => outcome = e instanceof NtsyncError ? e.code : String(e),
          );
        // The kernel answers within tens of ms, but the native backend's
        // first async wait starts a wait thread (seconds under TCG).
        for (let i = 0; i < 800 && outcome === undefined; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        if (outcome === undefined) {
          failures.push(`timeout ${timeout}: still blocked after 20 s`);
          // Release it so that nothing is left pending.
          backend.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
        } else if (outcome !== "ETIMEDOUT") {
          failures.push(`timeout ${timeout}: ${outcome}`);
        }
        await pending;
        // A timed-out wait writes nothing (docs/semantics.md#waits-results).
        if (
          outcome === "ETIMEDOUT" && WaitArgs.read(args).index !== 0xdead_beef
        ) {
          failures.push(`timeout ${timeout}: index written`);
        }
      }
    } finally {
      backend.close(sem);
      backend.close(dev);
    }
    assert.deepEqual(failures, [], failures.join("\n"));
  });
}
