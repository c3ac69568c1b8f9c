/**
 * Differential mode: the native backend (the real driver) and the emulated
 * engine driven side by side in one process with the same random sequences
 * and the same hostile catalogue; fd numbers may differ, results may not.
 * Runs only where both backends are available (the real-kernel VM:
 * `deno task test:kernel`); elsewhere the tests show as ignored.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import { backendsUnderTest } from "../_backends.ts";
import { NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import { attempt, createSem, fdOf } from "../_tuples.ts";
import { sequence } from "./arbitraries.ts";
import { catalogue, SETUP } from "./catalogue.ts";
import { describeMismatch, runSequence } from "./runner.ts";
import { assertAgree, loadRegressions, subjectOf } from "./subjects.ts";

const backends = backendsUnderTest();
const native = backends.find((b) => b.kind === "native");
const emulated = backends.find((b) => b.kind === "emulated");
const ignore = native === undefined || emulated === undefined;
const pair = ignore ? [] : [subjectOf(native), subjectOf(emulated)];

Deno.test({
  name: "differential: native and emulated agree on random sequences",
  ignore,
  fn() {
    fc.assert(
      fc.property(sequence(), (ops) => {
        assertAgree(pair, ops);
      }),
      { seed: 0x6e7473, numRuns: 100 },
    );
  },
});

Deno.test({
  name: "differential: native and emulated agree on kept regressions",
  ignore,
  async fn() {
    for (const { ops } of await loadRegressions()) assertAgree(pair, ops);
  },
});

Deno.test({
  name: "differential: native and emulated agree on the hostile catalogue",
  ignore,
  fn() {
    const failures = catalogue().flatMap((c) => {
      const ops = [...SETUP, ...(c.before ?? []), c.op];
      const { mismatch } = runSequence(pair, ops);
      return mismatch ? [`${c.name}\n${describeMismatch(ops, mismatch)}`] : [];
    });
    assert.deepEqual(failures, [], failures.join("\n\n"));
  },
});

Deno.test({
  name: "differential: an objs address from the other backend is EFAULT",
  ignore,
  fn() {
    for (const [self, other] of [[native!, emulated!], [emulated!, native!]]) {
      const dev = self.open();
      const sem = fdOf(createSem(self, dev, 1, 1));
      try {
        const objs = new Int32Array([sem]);
        const args = WaitArgs.alloc({
          timeout: self.now(),
          objs: other.addressOf(objs),
          count: 1,
          owner: 1,
        });
        const r = attempt(() => self.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
        assert.equal(
          r.ret,
          "EFAULT",
          `${self.kind} with ${other.kind}'s address`,
        );
      } finally {
        self.close(sem);
        self.close(dev);
      }
    }
  },
});
