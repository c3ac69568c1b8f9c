/**
 * The positive control of _audit.ts: crash_points_test.ts and
 * stack_depth_test.ts pass when `auditDevice` finds nothing wrong, so an
 * auditor gone blind (a moved word, a loop that never runs) would pass them
 * without testing. Here a healthy device, with a wait queued, audits clean,
 * and each deliberate corruption of its shared memory is reported.
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  H_INSTS_LIVE,
  H_JNL_LEN,
  H_LOCK,
  H_OBJS_LIVE,
  H_RECS_TAKEN,
} from "../../core/emulated/layout.ts";
import { NTSYNC_IOC_SEM_RELEASE, NTSYNC_IOC_WAIT_ANY } from "../../mod.ts";
import { auditDevice } from "./_audit.ts";
import {
  createEvent,
  createMutex,
  createSem,
  FOREVER,
  waitArgs,
} from "../../conformance/ops.ts";
import { queuedWaits, untilQueued } from "../_blocked.ts";

/** Header words, each corrupted by one in turn. */
const CORRUPTIONS: Record<string, number> = {
  "the lock word held": H_LOCK,
  "a journal entry left": H_JNL_LEN,
  "one live object too many counted": H_OBJS_LIVE,
  "one live instance too many counted": H_INSTS_LIVE,
  "one wait record too many taken": H_RECS_TAKEN,
};

Deno.test("the device audit reports each corruption of a healthy device (positive control)", async () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const sem = createSem(nt, dev, 0, 2);
  const mutex = createMutex(nt, dev, 7, 1);
  const event = createEvent(nt, dev, true, false);
  const buffer = nt.share().buffer as SharedArrayBuffer;
  const u32 = new Uint32Array(buffer);
  const { args, objs } = waitArgs(nt, [sem, event], {
    timeout: FOREVER,
    owner: 1,
  });
  const before = queuedWaits(nt);
  const pending = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args);
  try {
    await untilQueued(nt, before);
    assert.deepEqual(auditDevice(buffer), [], "healthy, with a wait queued");
    for (const [what, word] of Object.entries(CORRUPTIONS)) {
      u32[word] += 1;
      const found = auditDevice(buffer);
      u32[word] -= 1;
      assert.notDeepEqual(found, [], `the audit missed ${what}`);
      assert.deepEqual(auditDevice(buffer), [], `restored after ${what}`);
    }
  } finally {
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    assert.equal(await pending, 0);
    objs[0] = sem; // the args hold only the array's address
    for (const fd of [sem, mutex, event, dev]) nt.close(fd);
  }
  assert.deepEqual(auditDevice(buffer), [], "after every fd is closed");
});
