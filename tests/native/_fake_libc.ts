/**
 * A scripted stand-in for libc, to see exactly what the native backend
 * hands to `ioctl(2)` (which object, which bytes) without a kernel.
 *
 * @module
 */

import { type Libc, libc, type LibcSymbols } from "../../ffi/libc.ts";

// The real libc gives the fake its addresses; loaded outside the tests, it
// stays loaded (Deno's sanitizer would count it as a leak of the test).
libc();

/** One recorded ioctl call. */
export interface IoctlCall {
  readonly fd: number;
  readonly request: number;
  /** The object passed as the buffer argument (null for NULL). */
  readonly arg: unknown;
  /** A copy of its bytes at the time of the call (null for NULL). */
  readonly bytes: Uint8Array | null;
}

/** What the fake ioctl answers: a result, or -1 with an errno. */
export type Answer = { result: number } | { errno: number };

/** A fake libc whose ioctl records its calls and answers from a script. */
export class FakeLibc implements Libc {
  readonly name = "fake";
  readonly errno = new Int32Array(1);
  readonly calls: IoctlCall[] = [];
  /** Answers for the next ioctl calls, in order; then `{ result: 0 }`. */
  readonly answers: Answer[] = [];
  /** Called during an ioctl with the buffer, to write outputs as the kernel would. */
  onIoctl?: (call: IoctlCall, buf: Uint8Array | null) => void;
  readonly symbols: LibcSymbols;
  unload(): void {}
  /** Real addresses: the backend checks a wait's `objs` against them. */
  addressOf(view: ArrayBufferView): bigint {
    return libc().addressOf(view);
  }

  constructor() {
    const ioctl = (fd: number, request: bigint, arg: unknown): number => {
      const buf = arg === null
        ? null
        : ArrayBuffer.isView(arg)
        ? new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength)
        : null;
      const call = {
        fd,
        request: Number(request),
        arg,
        bytes: buf ? buf.slice() : null,
      };
      this.calls.push(call);
      this.onIoctl?.(call, buf);
      const answer = this.answers.shift() ?? { result: 0 };
      if ("errno" in answer) {
        this.errno[0] = answer.errno;
        return -1;
      }
      return answer.result;
    };
    const fail = () => {
      throw new Error("FakeLibc: not scripted");
    };
    this.symbols = {
      ioctl,
      open: fail,
      close: () => 0,
      fcntl: (fd: number) => fd + 1000,
      read: fail,
      clock_gettime: (_id: number, ts: BigInt64Array) => {
        ts[0] = 100n;
        ts[1] = 0n;
        return 0;
      },
      __errno_location: fail,
      gettid: null,
    } as unknown as LibcSymbols;
  }
}
