/**
 * Run in a subprocess with chosen permissions: what openNativeBackend() and
 * getBackend("auto") say there, as one JSON line.
 *
 * @module
 */

import { openNativeBackend } from "../../ffi/native.ts";
import { chooseAutoBackend } from "../../select/registry.ts";

let native: Record<string, unknown>;
try {
  native = { kind: openNativeBackend().kind };
} catch (err) {
  const e = err as Error & { reason?: string; errno?: number };
  native = {
    name: e.name,
    reason: e.reason,
    errno: e.errno,
    message: e.message,
  };
}
const auto = chooseAutoBackend();
console.log(
  JSON.stringify({
    native,
    auto: { kind: auto.backend.kind, reason: auto.reason },
  }),
);
