/**
 * Porting C to the ioctl surface, line by line: the kernel selftest
 * `test_wait_any` (tools/testing/selftests/drivers/ntsync/ntsync.c) in its
 * own style. Raw `ioctl` calls with the request codes of
 * `<linux/ntsync.h>`, the structs as `DataView` codecs (`SemArgs`,
 * `MutexArgs`, `WaitArgs`), the fd array's address from `addressOf` where C
 * would write `(uintptr_t)objs`, errors as `NtsyncError` with the kernel's
 * errno where C reads `errno`.
 *
 * What a C porter trips over, shown as it happens:
 * - a wait's `owner` must be nonzero: a zeroed `struct ntsync_wait_args`
 *   with no owner set fails EINVAL (kernels since the 2026 fix, and both
 *   backends here; see docs/semantics.md#waits-validation);
 * - `timeout` is absolute (`now()` polls, `U64_MAX` waits forever);
 * - the fd array must stay referenced while its address is in use.
 *
 * Run it: `deno task example:c-port`
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  Errno,
  getBackend,
  MutexArgs,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NtsyncError,
  SemArgs,
  WaitArgs,
} from "../mod.ts";

const nt = getBackend(); // native where /dev/ntsync opens, else emulated
console.log(`backend: ${nt.kind}`);

/** `ioctl()` as C sees it: the return value, or -1 with `errno` set. */
let errno = 0;
function ioctl(
  fd: number,
  request: number,
  arg: ArrayBufferView | null,
): number {
  try {
    return nt.ioctl(fd, request, arg);
  } catch (err) {
    if (!(err instanceof NtsyncError)) throw err;
    errno = err.errno;
    return -1;
  }
}

// static int wait_objs(int fd, unsigned long request, __u32 count,
//                      const int *objs, __u32 owner, int alert, __u32 *index)
function waitObjs(
  fd: number,
  request: number,
  objs: Int32Array,
  owner: number,
): { ret: number; index: number } {
  const args = WaitArgs.alloc({
    timeout: nt.now(), // "now" on CLOCK_MONOTONIC: a poll, as the selftest's helper
    objs: nt.addressOf(objs), // (uintptr_t)objs
    count: objs.length,
    owner,
    index: 0xdeadbeef,
  });
  const ret = ioctl(fd, request, args);
  return { ret, index: WaitArgs.read(args).index };
}

function checkSemState(sem: number, count: number, max: number): void {
  const args = SemArgs.alloc({ count: 0xcccccccc, max: 0xcccccccc });
  assert.equal(ioctl(sem, NTSYNC_IOC_SEM_READ, args), 0);
  assert.deepEqual(SemArgs.read(args), { count, max });
}

function checkMutexState(mutex: number, count: number, owner: number): void {
  const args = MutexArgs.alloc({ owner: 0xcccccccc, count: 0xcccccccc });
  assert.equal(ioctl(mutex, NTSYNC_IOC_MUTEX_READ, args), 0);
  assert.deepEqual(MutexArgs.read(args), { owner, count });
}

// fd = open("/dev/ntsync", O_CLOEXEC | O_RDONLY);
const fd = nt.open();

// sem_args.count = 2; sem_args.max = 3;
const sem = ioctl(
  fd,
  NTSYNC_IOC_CREATE_SEM,
  SemArgs.alloc({ count: 2, max: 3 }),
);
assert.ok(sem >= 0);
// mutex_args.owner = 0; mutex_args.count = 0;
const mutex = ioctl(
  fd,
  NTSYNC_IOC_CREATE_MUTEX,
  MutexArgs.alloc({ owner: 0, count: 0 }),
);
assert.ok(mutex >= 0);

const objs = new Int32Array([sem, mutex]); // keep it referenced while in use

// The semaphore comes first: index 0 twice, then the mutex.
let r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 123);
assert.deepEqual(r, { ret: 0, index: 0 });
checkSemState(sem, 1, 3);
r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 123);
assert.deepEqual(r, { ret: 0, index: 0 });
checkSemState(sem, 0, 3);
r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 123);
assert.deepEqual(r, { ret: 0, index: 1 });
checkMutexState(mutex, 1, 123);
console.log(
  "WAIT_ANY: the semaphore twice (index 0), then the mutex (index 1)",
);

// Owner 123 again: the mutex is recursive for its owner; 456 cannot have it.
r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 123);
assert.deepEqual(r, { ret: 0, index: 1 });
checkMutexState(mutex, 2, 123);
r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 456);
assert.equal(r.ret, -1);
assert.equal(errno, Errno.ETIMEDOUT);
assert.equal(r.index, 0xdeadbeef); // a timed-out wait writes nothing
console.log(
  "WAIT_ANY: recursion for owner 123; owner 456 times out (ETIMEDOUT)",
);

// The C porter's trap: owner left at 0 by memset(&args, 0, sizeof(args)).
r = waitObjs(fd, NTSYNC_IOC_WAIT_ANY, objs, 0);
assert.equal(r.ret, -1);
assert.equal(errno, Errno.EINVAL);
console.log("WAIT_ANY with owner 0: EINVAL (set args.owner, e.g. to gettid())");

// SEM_RELEASE is in/out: the amount in, the previous count out.
const count = new Uint32Array([1]);
assert.equal(ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count), 0);
assert.equal(count[0], 0);
checkSemState(sem, 1, 3);

// MUTEX_UNLOCK twice frees it: the previous count comes back in `count`.
const unlock = MutexArgs.alloc({ owner: 123, count: 0 });
assert.equal(ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, unlock), 0);
assert.equal(MutexArgs.read(unlock).count, 2);
assert.equal(ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, unlock), 0);
assert.equal(MutexArgs.read(unlock).count, 1);
checkMutexState(mutex, 0, 0);

// WAIT_ALL takes both at once, or neither; the same object twice is EINVAL.
r = waitObjs(fd, NTSYNC_IOC_WAIT_ALL, objs, 123);
assert.deepEqual(r, { ret: 0, index: 0 });
checkSemState(sem, 0, 3);
checkMutexState(mutex, 1, 123);
r = waitObjs(fd, NTSYNC_IOC_WAIT_ALL, new Int32Array([sem, sem]), 123);
assert.equal(r.ret, -1);
assert.equal(errno, Errno.EINVAL);
console.log("WAIT_ALL: both acquired at once; a duplicated object is EINVAL");

nt.close(sem);
nt.close(mutex);
nt.close(fd);
console.log("c-port: every assertion held");
