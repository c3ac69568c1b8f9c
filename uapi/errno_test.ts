import assert from "node:assert/strict";
import { Errno, errnoName } from "./errno.ts";

Deno.test("uapi: errno numbers are Linux x86-64's", () => {
  assert.deepEqual({ ...Errno }, {
    EPERM: 1,
    ENOENT: 2,
    ESRCH: 3,
    EINTR: 4,
    ENXIO: 6,
    EBADF: 9,
    ENOMEM: 12,
    EACCES: 13,
    EFAULT: 14,
    ENODEV: 19,
    EINVAL: 22,
    ENFILE: 23,
    EMFILE: 24,
    ENOTTY: 25,
    ESPIPE: 29,
    EROFS: 30,
    EOVERFLOW: 75,
    ETIMEDOUT: 110,
    EOWNERDEAD: 130,
  });
  assert.equal(errnoName(130), "EOWNERDEAD");
  assert.equal(errnoName(2), "ENOENT");
  assert.equal(errnoName(3), "ESRCH");
  assert.equal(errnoName(5), "E5");
});
