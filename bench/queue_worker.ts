/// <reference lib="deno.worker" />
/**
 * A bounded-queue Worker: the producer or a consumer of queue_bench.ts. On
 * each run, with the kind the main thread set: the producer puts the items
 * 1..n and then one 0 per consumer; a consumer takes items until it takes a
 * 0, and adds what it took to its sum. Each put is acquire(free slot), lock,
 * write, unlock, release(item); each take the mirror image.
 *
 * @module
 */

import {
  attachBackend,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../mod.ts";
import { FOREVER, waitArgs } from "../conformance/ops.ts";
import {
  FifoMutex,
  FifoSemaphore,
  FutexMutex,
  FutexSemaphore,
} from "./_raw.ts";
import { Q, type QueueInit, queueLayout } from "./_queue.ts";
import { serveInWorker } from "./_workers.ts";

/** The queue's three operations, on one kind of primitives. */
interface Sync {
  acquireFree(): void;
  releaseFree(): void;
  acquireItem(): void;
  releaseItem(): void;
  lock(): void;
  unlock(): void;
}

function rawUnfair(w: Int32Array): Sync {
  const L = queueLayout();
  const free = new FutexSemaphore(w, L.unfairFree);
  const items = new FutexSemaphore(w, L.unfairItems);
  const mutex = new FutexMutex(w, L.unfairMutex);
  return {
    acquireFree: () => free.acquire(),
    releaseFree: () => free.release(),
    acquireItem: () => items.acquire(),
    releaseItem: () => items.release(),
    lock: () => mutex.lock(),
    unlock: () => mutex.unlock(),
  };
}

function rawFifo(w: Int32Array): Sync {
  const L = queueLayout();
  const free = new FifoSemaphore(w, L.fifoFree, L.semSlots);
  const items = new FifoSemaphore(w, L.fifoItems, L.semSlots);
  const mutex = new FifoMutex(w, L.fifoMutex, L.mutexSlots);
  return {
    acquireFree: () => free.acquire(),
    releaseFree: () => free.release(),
    acquireItem: () => items.acquire(),
    releaseItem: () => items.release(),
    lock: () => mutex.lock(),
    unlock: () => mutex.unlock(),
  };
}

function engine(init: QueueInit): Sync {
  const nt = attachBackend(init.token);
  const keep: Int32Array[] = [];
  const waitOn = (fd: number) => {
    const { args, objs } = waitArgs(nt, [fd], {
      timeout: FOREVER,
      owner: init.owner,
    });
    keep.push(objs);
    return args;
  };
  const onFree = waitOn(init.free), onItems = waitOn(init.items);
  const onMutex = waitOn(init.mutex);
  const one = new DataView(new ArrayBuffer(4));
  const owner = new DataView(new ArrayBuffer(8));
  const release = (sem: number) => {
    one.setUint32(0, 1, true);
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
  };
  return {
    acquireFree: () => nt.ioctl(init.dev, NTSYNC_IOC_WAIT_ANY, onFree),
    releaseFree: () => release(init.free),
    acquireItem: () => nt.ioctl(init.dev, NTSYNC_IOC_WAIT_ANY, onItems),
    releaseItem: () => release(init.items),
    lock: () => nt.ioctl(init.dev, NTSYNC_IOC_WAIT_ANY, onMutex),
    unlock: () => {
      owner.setUint32(0, init.owner, true);
      owner.setUint32(4, 0, true);
      nt.ioctl(init.mutex, NTSYNC_IOC_MUTEX_UNLOCK, owner);
    },
  };
}

self.onmessage = (e: MessageEvent<QueueInit>) => {
  const init = e.data;
  const w = new Int32Array(init.shared);
  const L = queueLayout();
  const kinds = [rawUnfair(w), rawFifo(w), engine(init)];
  self.postMessage("ready");
  serveInWorker(w, Q.GO, Q.DONE, () => {
    const q = kinds[Atomics.load(w, Q.KIND)];
    const n = Atomics.load(w, Q.ITEMS), cap = L.capacity;
    if (init.role === "producer") {
      for (let i = 1; i <= n + L.consumers; i++) {
        q.acquireFree();
        q.lock();
        const tail = w[Q.TAIL];
        w[L.ring + tail % cap] = i <= n ? i : 0;
        w[Q.TAIL] = tail + 1;
        q.unlock();
        q.releaseItem();
      }
    } else {
      let sum = 0;
      for (;;) {
        q.acquireItem();
        q.lock();
        const head = w[Q.HEAD];
        const v = w[L.ring + head % cap];
        w[Q.HEAD] = head + 1;
        q.unlock();
        q.releaseFree();
        if (v === 0) break;
        sum += v;
      }
      Atomics.add(w, Q.SUM_LO, sum % 0x1000_0000);
      Atomics.add(w, Q.SUM_HI, Math.floor(sum / 0x1000_0000));
    }
  });
};
