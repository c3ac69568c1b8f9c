// The uncontended fast path on each runtime: SEM_RELEASE + WAIT_ANY poll
// through the ioctl surface (emulated backend), as a ratio to that
// runtime's own CAS+store pair on shared memory, measured in the same run.
// Plain JavaScript importing the package by name, so the same file runs on
// Deno (from the repository), and on Node and Bun (from the installed npm
// package): `deno task bench:runtimes` runs it on each.
//
// Rounds of the two alternate (base, op, base, op, ...) so drift of the
// machine's speed hits both; the ratio is of the medians of per-op times.
import {
  getBackend,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "@ntsync/ntsync";

const ROUNDS = 15;
const OPS = 200_000;

const runtime = typeof globalThis.Deno !== "undefined"
  ? `deno ${globalThis.Deno.version.deno}`
  : typeof globalThis.Bun !== "undefined"
  ? `bun ${globalThis.Bun.version}`
  : `node ${process.versions.node}`;

const nt = getBackend("emulated");
const dev = nt.open();
const sem = nt.ioctl(
  dev,
  NTSYNC_IOC_CREATE_SEM,
  SemArgs.alloc({ count: 0, max: 1 }),
);
const one = new DataView(new Uint32Array([1, 0]).buffer);
const objs = new Int32Array([sem]);
const poll = WaitArgs.alloc({
  timeout: 0n,
  objs: nt.addressOf(objs),
  count: 1,
  owner: 1,
});

function surface(n) {
  for (let i = 0; i < n; i++) {
    one.setUint32(0, 1, true);
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, poll);
  }
}

const words = new Int32Array(new SharedArrayBuffer(64));
function casStore(n) {
  for (let i = 0; i < n; i++) {
    if (Atomics.compareExchange(words, 0, 0, 1) !== 0) throw new Error("held");
    Atomics.store(words, 0, 0);
  }
}

/** ns per op of one round of `fn`. */
function round(fn) {
  const t0 = performance.now();
  fn(OPS);
  return ((performance.now() - t0) * 1e6) / OPS;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

// Warm up both (the JIT's tiers), then measure.
for (let i = 0; i < 3; i++) {
  round(casStore);
  round(surface);
}
const base = [], op = [];
for (let i = 0; i < ROUNDS; i++) {
  base.push(round(casStore));
  op.push(round(surface));
}
nt.close(sem);
nt.close(dev);

const result = {
  runtime,
  casStoreNs: +median(base).toFixed(1),
  releasePollNs: +median(op).toFixed(1),
  ratio: +(median(op) / median(base)).toFixed(2),
};
console.log(
  `${runtime}: SEM_RELEASE + WAIT_ANY poll ${result.releasePollNs} ns, ` +
    `CAS+store ${result.casStoreNs} ns: ${result.ratio}x`,
);
console.log(JSON.stringify(result));
