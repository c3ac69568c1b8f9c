/**
 * Two ways of making the same calls, checked to agree: each case runs once
 * per way, on a fresh device and fresh objects, and both runs must report
 * the same results (return values, bytes written back, states read after).
 * The cases, all together, must also have returned each errno they are
 * there for.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../core/backend.ts";
import { fdOf } from "./_tuples.ts";

/**
 * A case: makes its objects on `dev` (handing each fd to `own`, which
 * closes it afterwards), makes its calls through `way`, reports what it saw.
 */
export type TwoWayCase<Way> = (
  nt: Backend,
  dev: number,
  way: Way,
  own: (fd: number | string) => number,
) => unknown[];

/**
 * Run every case of `cases` through both `ways` on `nt`; assert that they
 * agree, and that the cases returned each of `errnos` (negated) somewhere.
 */
export function assertTwoWaysAgree<Way>(
  nt: Backend,
  cases: Record<string, TwoWayCase<Way>>,
  ways: readonly [Way, Way],
  errnos: readonly number[],
): void {
  const returned = new Set<number>();
  for (const [name, run] of Object.entries(cases)) {
    const seen = ways.map((way) => {
      const dev = nt.open(), made: number[] = [];
      const own = (fd: number | string) => {
        made.push(fdOf(fd));
        return fdOf(fd);
      };
      try {
        return run(nt, dev, way, own);
      } finally {
        for (const fd of made) nt.close(fd);
        nt.close(dev);
      }
    });
    assert.deepEqual(seen[1], seen[0], name);
    for (const v of seen[1]) {
      if (typeof v === "number" && v < 0) returned.add(-v);
    }
  }
  // The cases really cover the errors they are named after.
  for (const e of errnos) {
    assert.ok(returned.has(e), `no case returned errno ${e}`);
  }
}
