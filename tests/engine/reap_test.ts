import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NTSYNC_IOC_SEM_RELEASE } from "../../mod.ts";
import { sem, semState } from "./_util.ts";

/** Poll `cond` until it holds; Worker start-up is slow on a loaded machine. */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(cond(), "condition not reached in time");
}

Deno.test("reap: a terminated Worker's wait leaves the queues and frees its record", async () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 2);
  const token = nt.share();
  const worker = new Worker(
    new URL("./_blocked_worker.ts", import.meta.url).href,
    {
      type: "module",
    },
  );
  const said: string[] = [];
  worker.onmessage = (e) => said.push(e.data);
  worker.postMessage({ token, dev, fds: [s, s] });
  await until(() => nt.census().waits === 1);
  worker.terminate();
  assert.equal(nt.reap(token), 1);
  assert.equal(nt.census().waits, 0);
  // The dead waiter must not swallow a release meant for the living.
  nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
  assert.deepEqual(semState(nt, s), { count: 1, max: 2 });
  assert.equal(nt.reap(token), 0, "reaping twice removes nothing more");
  // ("blocking" itself may still be in flight: census saw the wait first.)
  assert.ok(!said.includes("returned"), "the terminated waiter never returned");
  nt.close(s);
  nt.close(dev);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("reap: only tokens of this device, and not one's own waits", () => {
  const a = EmulatedBackend.create(), b = EmulatedBackend.create();
  assert.throws(() => a.reap(b.share()), TypeError);
  assert.throws(
    () => a.reap({ kind: "emulated", buffer: a.share().buffer, thread: 1 }),
    RangeError,
  );
});
