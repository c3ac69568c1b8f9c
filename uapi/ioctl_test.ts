import assert from "node:assert/strict";
import {
  NTSYNC_IOC,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_REALTIME,
  requestName,
} from "./ioctl.ts";

// The request codes of <linux/ntsync.h> (docs/semantics.md#request-codes-and-dispatch), checked against the 7.2 header by compiling it.
const SPEC_CODES: [number, number][] = [
  [NTSYNC_IOC_CREATE_SEM, 0x40084E80],
  [NTSYNC_IOC_SEM_RELEASE, 0xC0044E81],
  [NTSYNC_IOC_WAIT_ANY, 0xC0284E82],
  [NTSYNC_IOC_WAIT_ALL, 0xC0284E83],
  [NTSYNC_IOC_CREATE_MUTEX, 0x40084E84],
  [NTSYNC_IOC_MUTEX_UNLOCK, 0xC0084E85],
  [NTSYNC_IOC_MUTEX_KILL, 0x40044E86],
  [NTSYNC_IOC_CREATE_EVENT, 0x40084E87],
  [NTSYNC_IOC_EVENT_SET, 0x80044E88],
  [NTSYNC_IOC_EVENT_RESET, 0x80044E89],
  [NTSYNC_IOC_EVENT_PULSE, 0x80044E8A],
  [NTSYNC_IOC_SEM_READ, 0x80084E8B],
  [NTSYNC_IOC_MUTEX_READ, 0x80084E8C],
  [NTSYNC_IOC_EVENT_READ, 0x80084E8D],
];

Deno.test("uapi: every request code is the header's", () => {
  for (const [code, expected] of SPEC_CODES) {
    assert.equal(
      code.toString(16),
      expected.toString(16),
      `${requestName(code)} is 0x${code.toString(16)}`,
    );
  }
  assert.equal(Object.keys(NTSYNC_IOC).length, 14);
  assert.equal(new Set(Object.values(NTSYNC_IOC)).size, 14);
});

Deno.test("uapi: constants", () => {
  assert.equal(NTSYNC_MAX_WAIT_COUNT, 64);
  assert.equal(NTSYNC_WAIT_REALTIME, 1);
});

Deno.test("uapi: requestName names known codes only", () => {
  assert.equal(requestName(0xC0284E82), "NTSYNC_IOC_WAIT_ANY");
  assert.equal(requestName(0xC00C4E80), undefined, "the old draft CREATE_SEM");
});
