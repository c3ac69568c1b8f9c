/**
 * Which uapi a backend speaks, probed through the ioctl surface on a fresh
 * instance that is closed again (nothing left behind):
 * - `CREATE_EVENT` + `EVENT_READ` answer: the final interface of 6.14+
 *   (6.10–6.13's partial driver and the older drafts do not have them);
 * - `WAIT_ANY` with `owner = 0` is refused with EINVAL: the 2026 fix
 *   ("ntsync: reject wait ioctls with zero owner", stable 7.2.8+). Kernels
 *   without it accept owner 0 and can corrupt a mutex's count (docs/semantics.md#owner-0-on-older-kernels).
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import {
  EventArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../uapi/mod.ts";
import { type Finding, finding } from "./finding.ts";

/** The interface generation the device answers to. */
export type UapiGeneration = "6.14+" | "older" | "unknown";

/** How a wait with owner 0 is treated. */
export type OwnerZero = "refused" | "accepted" | "unknown";

/** What the uapi probe found on one backend. */
export interface UapiReport {
  /** The backend probed. */
  readonly backend: string;
  /** `"6.14+"` when CREATE_EVENT and EVENT_READ work as the final uapi. */
  readonly generation: UapiGeneration;
  /** Owner 0 in a wait: refused (EINVAL, fixed) or accepted (unfixed). */
  readonly ownerZero: OwnerZero;
  /** Every fd the probe opened was closed again. */
  readonly cleanedUp: boolean;
  /** The verdicts. */
  readonly findings: Finding[];
}

function errCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string"
    ? code
    : err instanceof Error
    ? err.message
    : String(err);
}

/** Probe `backend` for the uapi generation and the owner-0 fix. */
export function probeUapi(backend: Backend): UapiReport {
  const label = `uapi (${backend.kind})`;
  const opened: number[] = [];
  const findings: Finding[] = [];
  let generation: UapiGeneration = "unknown";
  let ownerZero: OwnerZero = "unknown";
  try {
    const dev = backend.open();
    opened.push(dev);
    let event: number;
    try {
      event = backend.ioctl(
        dev,
        NTSYNC_IOC_CREATE_EVENT,
        EventArgs.alloc({ manual: 0, signaled: 0 }),
      );
      opened.push(event);
      const state = EventArgs.alloc({ manual: 0xcc, signaled: 0xcc });
      backend.ioctl(event, NTSYNC_IOC_EVENT_READ, state);
      const read = EventArgs.read(state);
      if (read.manual !== 0 || read.signaled !== 0) {
        findings.push(
          finding(
            "uapi.generation",
            "fail",
            label,
            `EVENT_READ of a new {manual 0, signaled 0} event read {${read.manual}, ${read.signaled}}`,
          ),
        );
        return done();
      }
      generation = "6.14+";
      findings.push(
        finding(
          "uapi.generation",
          "ok",
          label,
          "the 6.14+ interface (CREATE_EVENT, EVENT_READ answer)",
        ),
      );
    } catch (err) {
      const code = errCode(err);
      generation = code === "ENOTTY" ? "older" : "unknown";
      findings.push(
        finding(
          "uapi.generation",
          "fail",
          label,
          code === "ENOTTY"
            ? "an older interface (events unknown: ENOTTY)"
            : `event probe failed: ${code}`,
          {
            detail: "Wine needs the final interface of Linux 6.14 and later.",
            fix: ["Upgrade to Linux 6.14 or newer."],
          },
        ),
      );
      return done();
    }
    // owner 0, timeout 0 (long past): a fixed kernel refuses before looking at the objects
    const objs = new Int32Array([event]);
    const args = WaitArgs.alloc({
      timeout: 0n,
      objs: backend.addressOf(objs),
      count: 1,
      owner: 0,
    });
    try {
      backend.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
      ownerZero = "accepted"; // it even acquired something: only an unfixed kernel does
    } catch (err) {
      const code = errCode(err);
      if (code === "EINVAL") ownerZero = "refused";
      else if (code === "ETIMEDOUT") ownerZero = "accepted";
      else {
        findings.push(
          finding(
            "uapi.owner0",
            "fail",
            label,
            `WAIT_ANY with owner 0 failed with ${code}`,
            {
              detail:
                "Expected EINVAL (fixed kernels) or ETIMEDOUT (older kernels).",
            },
          ),
        );
        return done();
      }
    }
    findings.push(
      ownerZero === "refused"
        ? finding(
          "uapi.owner0",
          "ok",
          "owner 0",
          backend.kind === "native"
            ? "refused with EINVAL (the 2026 fix is in)"
            : "refused with EINVAL, as kernels with the 2026 fix do",
        )
        : finding(
          "uapi.owner0",
          "warn",
          "owner 0",
          "accepted: this kernel predates the 2026 fix",
          {
            detail:
              "Kernels 6.14 to 7.2.7 accept a wait with owner 0, which can corrupt a mutex's " +
              "recursion count. Wine never passes 0, so Wine is not affected; the fix is in stable 7.2.8+.",
            fix: [
              'Update to a kernel with "ntsync: reject wait ioctls with zero owner" (7.2.8+ or its backports).',
            ],
          },
        ),
    );
    return done();
  } catch (err) {
    findings.push(
      finding(
        "uapi.generation",
        "fail",
        label,
        `could not open an instance: ${errCode(err)}`,
      ),
    );
    return done();
  }

  function done(): UapiReport {
    let cleanedUp = true;
    for (const fd of opened.reverse()) {
      try {
        backend.close(fd);
      } catch {
        cleanedUp = false;
      }
    }
    if (!cleanedUp) {
      findings.push(
        finding(
          "uapi.cleanup",
          "fail",
          label,
          "closing the probe's fds failed",
        ),
      );
    }
    return {
      backend: backend.kind,
      generation,
      ownerZero,
      cleanedUp,
      findings,
    };
  }
}
