/**
 * The hostile-input catalogue (catalogue.ts) on every backend under test:
 * each entry must give the spec's errno, write the same bytes as the model
 * and leave every object in the model's state. Then the timeouts that can
 * only be tested by blocking: 2^63 and above never expire.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "../_backends.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import { NtsyncError } from "../../core/errors.ts";
import { createSem, fdOf, readSem } from "../model/helpers.ts";
import { catalogue, SETUP, SETUP_RESULTS } from "./catalogue.ts";
import { describeMismatch, runSequence } from "./runner.ts";
import { MODEL, subjectOf } from "./subjects.ts";

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
      for (const timeout of [1n << 63n, (1n << 63n) + 1n, (1n << 64n) - 1n]) {
        for (const flags of [0, 1]) {
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
          const pending = backend.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args)
            .then(
              (r) => outcome = String(r),
              (e) => outcome = e instanceof NtsyncError ? e.code : String(e),
            );
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
      }
    } finally {
      backend.close(sem);
      backend.close(dev);
    }
  });
}
