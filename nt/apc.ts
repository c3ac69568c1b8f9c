/**
 * User APCs: records in the process's shared memory, queued to a thread and
 * run by it at its next alertable wait. As Wine's server does with a
 * thread's `alert_sync`, queuing sets the target's manual-reset alert event
 * and draining the queue resets it; an alertable wait passes that event as
 * ntsync's `alert`, so an APC queued mid-wait wakes it.
 *
 * An APC is `module[exportName](k32, param)`; `param` travels as JSON.
 *
 * @module
 */

import {
  type Backend,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
} from "../mod.ts";
import { APC, HDR, type SharedProcessMemory } from "./shared.ts";

/** One queued APC. */
export interface ApcRecord {
  /** URL of the module exporting the function. */
  readonly moduleUrl: string;
  /** The export to call as `fn(k32, param)`. */
  readonly exportName: string;
  /** The argument (a JSON value). */
  readonly param: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function row(slot: number): number {
  return APC.base + slot * APC.words;
}

/**
 * Queue `apc` to thread `tid` and set its alert event `alertFd`. False when
 * the queue is full or the payload too large.
 *
 * @example
 * ```ts
 * import { getBackend, NTSYNC_IOC_CREATE_EVENT } from "../mod.ts";
 * import { drainApcs, queueApc } from "./apc.ts";
 * import { SharedProcessMemory } from "./shared.ts";
 * const backend = getBackend("emulated");
 * const dev = backend.open();
 * const alert = backend.ioctl(dev, NTSYNC_IOC_CREATE_EVENT, new Uint32Array([1, 0]));
 * const mem = new SharedProcessMemory();
 * queueApc(mem, backend, 0x20, alert, { moduleUrl: "file:///m.ts", exportName: "f", param: 1 });
 * drainApcs(mem, backend, 0x20, alert).length; // 1
 * backend.close(alert);
 * backend.close(dev);
 * ```
 */
export function queueApc(
  mem: SharedProcessMemory,
  backend: Backend,
  tid: number,
  alertFd: number,
  apc: ApcRecord,
): boolean {
  const payload = encoder.encode(JSON.stringify(apc));
  if (payload.length > APC.payloadBytes) return false;
  return mem.locked(() => {
    const w = mem.words;
    for (let slot = 0; slot < APC.max; slot++) {
      const r = row(slot);
      if (w[r + APC.state] !== 0) continue;
      w[r + APC.state] = 1;
      w[r + APC.tid] = tid;
      w[r + APC.seq] = ++w[HDR.apcSeq];
      w[r + APC.length] = payload.length;
      mem.bytes.set(payload, (r + 4) * 4);
      backend.ioctl(alertFd, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
      return true;
    }
    return false;
  });
}

/** True when thread `tid` has APCs queued. */
export function hasApcs(mem: SharedProcessMemory, tid: number): boolean {
  const w = mem.words;
  for (let slot = 0; slot < APC.max; slot++) {
    const r = row(slot);
    if (w[r + APC.state] === 1 && w[r + APC.tid] === tid) return true;
  }
  return false;
}

/**
 * Take every APC queued to `tid`, oldest first, and reset its alert event
 * (under the lock, so an APC queued meanwhile sets it again after).
 */
export function drainApcs(
  mem: SharedProcessMemory,
  backend: Backend,
  tid: number,
  alertFd: number,
): ApcRecord[] {
  return mem.locked(() => {
    const w = mem.words;
    const taken: { seq: number; apc: ApcRecord }[] = [];
    for (let slot = 0; slot < APC.max; slot++) {
      const r = row(slot);
      if (w[r + APC.state] !== 1 || w[r + APC.tid] !== tid) continue;
      const start = (r + 4) * 4;
      const bytes = mem.bytes.slice(start, start + w[r + APC.length]);
      taken.push({
        seq: w[r + APC.seq],
        apc: JSON.parse(decoder.decode(bytes)),
      });
      w.fill(0, r, r + 4);
    }
    backend.ioctl(alertFd, NTSYNC_IOC_EVENT_RESET, new Uint32Array(1));
    return taken.sort((a, b) => a.seq - b.seq).map((t) => t.apc);
  });
}

/** Drop every APC queued to `tid` (it exited). */
export function discardApcs(mem: SharedProcessMemory, tid: number): void {
  mem.locked(() => {
    for (let slot = 0; slot < APC.max; slot++) {
      const r = row(slot);
      if (mem.words[r + APC.tid] === tid) mem.words.fill(0, r, r + 4);
    }
  });
}
