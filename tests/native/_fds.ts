/**
 * Real fds for native tests that run without /dev/ntsync: /dev/null (every
 * ntsync request is ENOTTY there), a regular file, and a number that is
 * surely closed. Opened with libc, so they are not Deno resources.
 *
 * @module
 */

import { cString, libc, O_CLOEXEC, O_RDONLY } from "../../ffi/libc.ts";

/** Open `path` read-only with libc; throws with errno on failure. */
export function openFd(path: string): number {
  const l = libc();
  const fd = l.symbols.open(cString(path), O_RDONLY | O_CLOEXEC);
  if (fd === -1) throw new Error(`open ${path}: errno ${l.errno[0]}`);
  return fd;
}

/** Close an fd opened with {@linkcode openFd}. */
export function closeFd(fd: number): void {
  libc().symbols.close(fd);
}

/**
 * An fd number that is not open. Not a just-closed number: Deno and its
 * Workers open fds of their own at any time and would reuse it.
 */
export function closedFd(): number {
  return 0x7fff_fff0;
}

/** A temporary regular file of `size` bytes, opened; `dispose` removes it. */
export function tempFileFd(size: number): { fd: number } & Disposable {
  const path = Deno.makeTempFileSync({ prefix: "ntsync-native-" });
  Deno.writeFileSync(path, new Uint8Array(size));
  const fd = openFd(path);
  return {
    fd,
    [Symbol.dispose]() {
      closeFd(fd);
      Deno.removeSync(path);
    },
  };
}
