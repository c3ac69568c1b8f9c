/**
 * Debian version ordering, as `dpkg --compare-versions` does it.
 *
 * Used to pick the newest kernel ABI from Debian sid's package names, where
 * plain string order is wrong (`6.9` < `6.10`, `7.0~rc1` < `7.0`).
 *
 * @module
 */

/** The weight dpkg gives one character of a non-digit run (0 = end). */
function order(code: number): number {
  if (code >= 0x30 && code <= 0x39) return 0; // digit
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) {
    return code; // letter
  }
  if (code === 0x7e) return -1; // '~' sorts before everything, even the end
  if (code !== 0) return code + 256;
  return 0;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** dpkg's `verrevcmp`: compares an upstream version or a revision. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  // Past the end a string reads as NUL (code 0), as in C.
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while (
      (i < a.length && !isDigit(at(a, i))) ||
      (j < b.length && !isDigit(at(b, j)))
    ) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === 0x30) i++;
    while (at(b, j) === 0x30) j++;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** A Debian version split into its three parts. */
export interface DebVersion {
  /** The number before the first `:`, 0 when absent. */
  epoch: number;
  /** The part between the epoch and the last `-`. */
  upstream: string;
  /** The part after the last `-`, empty when absent. */
  revision: string;
}

/**
 * Splits `[epoch:]upstream[-revision]`.
 *
 * @example
 * ```ts
 * parseDebVersion("1:7.2+dfsg-7"); // { epoch: 1, upstream: "7.2+dfsg", revision: "7" }
 * ```
 */
export function parseDebVersion(version: string): DebVersion {
  let rest = version.trim();
  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    epoch = Number.parseInt(rest.slice(0, colon), 10);
    if (!Number.isFinite(epoch)) {
      throw new Error(`bad epoch in Debian version ${version}`);
    }
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  if (dash >= 0) {
    return {
      epoch,
      upstream: rest.slice(0, dash),
      revision: rest.slice(dash + 1),
    };
  }
  return { epoch, upstream: rest, revision: "" };
}

/**
 * Compares two Debian versions: negative when `a` is older, 0 when equal,
 * positive when `a` is newer (only the sign is meaningful).
 *
 * @example
 * ```ts
 * compareDebVersions("6.10.1-1", "6.9.12-1") > 0; // true
 * compareDebVersions("7.0~rc1-1", "7.0-1") < 0; // true
 * ```
 */
export function compareDebVersions(a: string, b: string): number {
  const va = parseDebVersion(a);
  const vb = parseDebVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  return compareFragment(va.upstream, vb.upstream) ||
    compareFragment(va.revision, vb.revision);
}
