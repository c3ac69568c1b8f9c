/**
 * One hot loop through the emulated surface, run `iterations` times after a
 * warm-up, for hot_path_alloc_test.ts: it counts the scavenges V8's
 * `--trace-gc` reports with 0 iterations and with many (V8 prints them
 * through a buffer of its own, so they cannot be placed between markers).
 *
 * Run: `deno run --v8-flags=--trace-gc tests/engine/_hot_loops.ts <loop> <iterations>`
 *
 * @module
 */

import {
  getBackend,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../mod.ts";
import {
  createEvent,
  createMutex,
  createSem,
  deadline,
  Ops,
  waitArgs,
} from "../../conformance/ops.ts";

const nt = getBackend("emulated");
const dev = nt.open();
const ops = new Ops(nt);
/**
 * An owner id from 2^31 up: a uint32 that V8 would box on every call, were
 * the engine to pass it around as it is (Wine's TIDs are far smaller).
 */
const OWNER = 0x8000_0123;
/** Keeps each wait's fd array alive: the args hold only its address. */
const keep: Int32Array[] = [];

/** Wait args for `fds` by OWNER: `ms` 0 polls, Infinity never times out. */
function argsFor(fds: number[], ms: number): DataView {
  const { args, objs } = waitArgs(nt, fds, {
    owner: OWNER,
    timeout: deadline(nt, ms),
  });
  keep.push(objs);
  return args;
}

const event = createEvent(nt, dev, false, false);
const sem = createSem(nt, dev, 0, 2);
const sem2 = createSem(nt, dev, 0, 2);
const mutex = createMutex(nt, dev);
const setArgs = new DataView(new ArrayBuffer(4));
const forEvent = argsFor([event], Infinity);
const pollSem = argsFor([sem], 0);
const forMutex = argsFor([mutex], Infinity);
const pollBoth = argsFor([sem, sem2], 0);
/** The args above as typed arrays: how C ports and the README pass them. */
function bytesOf(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}
const releaseU32 = new Uint32Array(1);
const releaseI32 = new Int32Array(1);
const pollSemU8 = bytesOf(pollSem);
const pollSem2I32 = new Int32Array(bytesOf(argsFor([sem2], 0)).buffer);

/** The loops by name: each step leaves every object as it found it. */
export const LOOPS: Record<string, () => void> = {
  "event set + wait-any, no timeout"() {
    nt.ioctl(event, NTSYNC_IOC_EVENT_SET, setArgs);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, forEvent);
  },
  "sem release + wait-any poll"() {
    ops.release(sem);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pollSem);
  },
  "mutex wait-any + unlock"() {
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, forMutex);
    ops.unlock(mutex, OWNER);
  },
  "two sems release + wait-all poll"() {
    ops.release(sem);
    ops.release(sem2);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, pollBoth);
  },
  "two sems in turn, typed arrays alternating (Uint32/Int32 release, Uint8/Int32 poll)"() {
    releaseU32[0] = 1;
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, releaseU32);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pollSemU8);
    releaseI32[0] = 1;
    nt.ioctl(sem2, NTSYNC_IOC_SEM_RELEASE, releaseI32);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pollSem2I32);
  },
};

/** Where the control loop keeps its latest object (so it cannot be elided). */
export const retained: { last: { i: number } } = { last: { i: 0 } };

/**
 * The positive control: one small object per iteration, the cost the real
 * loops must not have. If the count missed allocations (V8 renamed its
 * trace line, the flag stopped working), this loop would count none.
 */
export const CONTROL_LOOP = "control: one object per iteration";

const CONTROL: Record<string, () => void> = {
  [CONTROL_LOOP]() {
    retained.last = { i: retained.last.i + 1 };
  },
};

if (import.meta.main) {
  const [name, iterations] = Deno.args;
  const step = LOOPS[name] ?? CONTROL[name];
  if (step === undefined) throw new RangeError(`no loop named ${name}`);
  for (let i = 0; i < 20_000; i++) step(); // warm-up: let the JIT settle
  for (let i = Number(iterations); i > 0; i--) step();
}
