/**
 * Single-thread async acquire/release, uncontended: the typed API and the
 * surface's ioctlAsync against the usual npm peers (pinned versions).
 *
 * @module
 */

import { Mutex as AsyncMutex } from "npm:async-mutex@0.5.0";
import { Sema } from "npm:async-sema@3.1.1";
import {
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../mod.ts";
import { openDevice } from "../core/api/mod.ts";
import {
  benchDevice,
  createMutex,
  createSem,
  FOREVER,
  waitArgs,
} from "./_device.ts";

const OWNER = 1;

// ---- mutex ---------------------------------------------------------------

const peerMutex = new AsyncMutex();
Deno.bench({
  name: "npm:async-mutex acquire() + release()",
  group: "async mutex, one thread",
  baseline: true,
  async fn() {
    const release = await peerMutex.acquire();
    release();
  },
});

const typed = openDevice(benchDevice().nt);
const tmutex = typed.createMutex();
const tmutexObjs = [tmutex];
const tmutexOptions = { owner: OWNER };
Deno.bench({
  name: "typed API: await waitAnyAsync([mutex]) + unlock()",
  group: "async mutex, one thread",
  async fn() {
    if (
      (await typed.waitAnyAsync(tmutexObjs, tmutexOptions)).status !==
        "signaled"
    ) {
      throw new Error("not acquired");
    }
    tmutex.unlock(OWNER);
  },
});

const { nt, dev } = benchDevice();
const smutex = createMutex(nt, dev);
const smutexWait = waitArgs(nt, [smutex], { owner: OWNER, timeout: FOREVER });
const unlockArgs = new DataView(new ArrayBuffer(8));
Deno.bench({
  name: "surface: await ioctlAsync(WAIT_ANY) + MUTEX_UNLOCK",
  group: "async mutex, one thread",
  async fn() {
    await nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, smutexWait.args);
    unlockArgs.setUint32(0, OWNER, true);
    nt.ioctl(smutex, NTSYNC_IOC_MUTEX_UNLOCK, unlockArgs);
  },
});

// ---- semaphore -------------------------------------------------------------

const peerSema = new Sema(1);
Deno.bench({
  name: "npm:async-sema acquire() + release()",
  group: "async semaphore, one thread",
  baseline: true,
  async fn() {
    await peerSema.acquire();
    peerSema.release();
  },
});

const tsem = typed.createSemaphore(1, 1);
const tsemObjs = [tsem];
Deno.bench({
  name: "typed API: await waitAnyAsync([sem]) + release()",
  group: "async semaphore, one thread",
  async fn() {
    if ((await typed.waitAnyAsync(tsemObjs)).status !== "signaled") {
      throw new Error("not acquired");
    }
    tsem.release();
  },
});

const ssem = createSem(nt, dev, 1, 1);
const ssemWait = waitArgs(nt, [ssem], { owner: 1, timeout: FOREVER });
const releaseArgs = new DataView(new ArrayBuffer(4));
Deno.bench({
  name: "surface: await ioctlAsync(WAIT_ANY) + SEM_RELEASE",
  group: "async semaphore, one thread",
  async fn() {
    await nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, ssemWait.args);
    releaseArgs.setUint32(0, 1, true);
    nt.ioctl(ssem, NTSYNC_IOC_SEM_RELEASE, releaseArgs);
  },
});
