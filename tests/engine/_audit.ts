/**
 * A full consistency check of an emulated device's shared memory, for
 * tests that cut operations short (exceptions at the stack's limit,
 * injected crashes): every counter recounted from the structures it
 * counts, every reference count from the fds and queued waits that hold
 * it, every queue walked both ways, every free list walked, and the lock,
 * journal and event pins idle. Call it while no other thread is inside a
 * call on the device.
 *
 * @module
 */

import {
  E_OBJ,
  E_PREV,
  E_QUEUE,
  ENT_WORDS,
  ENTRIES_PER_REC,
  EV_PINNED,
  EVENT_STATE,
  FD_DEVICE,
  FD_OBJECT,
  FD_WORDS,
  H_FD_CAP,
  H_INST_CAP,
  H_INST_FREE,
  H_INST_HWM,
  H_INSTS_LIVE,
  H_JNL_LEN,
  H_JNL_PHASE,
  H_LOCK,
  H_OBJ_CAP,
  H_OBJ_FREE,
  H_OBJ_HWM,
  H_OBJS_LIVE,
  H_REC_CAP,
  H_REC_FREE,
  H_REC_HWM,
  H_REC_SPARE,
  H_RECS_FREED,
  H_RECS_TAKEN,
  INST_WORDS,
  MUTEX_ABANDONED,
  MUTEX_COUNT,
  MUTEX_OWNER,
  MX_SLOT,
  MX_SLOT_SHIFT,
  O_ALL_HEAD,
  O_ALL_HINT,
  O_ALL_TAIL,
  O_ANY_HEAD,
  O_ANY_TAIL,
  O_INST,
  O_NEXT,
  O_REFS,
  O_TYPE,
  OBJ_WORDS,
  PENDING,
  R_KIND,
  R_NEXT,
  R_STATE,
  R_TOTAL,
  REC_WORDS,
  type Sections,
  sections,
  SEM_COUNT,
  SEM_FAST,
  SEM_FAST_SHIFT,
  SEM_MAX,
  SLEEPING,
  T_MUTEX,
  T_SEM,
} from "../../core/emulated/layout.ts";

/** What is wrong with the device in `buffer` (empty: nothing). */
export function auditDevice(buffer: SharedArrayBuffer): string[] {
  const u32 = new Uint32Array(buffer), i32 = new Int32Array(buffer);
  const bad: string[] = [];
  const lockWord = Atomics.load(i32, H_LOCK);
  if (lockWord !== 0) bad.push(`lock word is ${lockWord}, not free`);
  if (u32[H_JNL_LEN] !== 0 || u32[H_JNL_PHASE] !== 0) {
    bad.push(`journal: ${u32[H_JNL_LEN]} entries, phase ${u32[H_JNL_PHASE]}`);
  }
  const sec = sections(
    u32[H_FD_CAP],
    u32[H_OBJ_CAP],
    u32[H_REC_CAP],
    u32[H_INST_CAP],
  );
  const objRefs = new Map<number, number>();
  const instRefs = new Map<number, number>();
  const add = (m: Map<number, number>, k: number) =>
    m.set(k, (m.get(k) ?? 0) + 1);
  for (let fd = 0; fd < u32[H_FD_CAP]; fd++) {
    const kind = u32[sec.fd + fd * FD_WORDS],
      ref = u32[sec.fd + fd * FD_WORDS + 1];
    if (kind === FD_OBJECT) add(objRefs, ref);
    if (kind === FD_DEVICE) add(instRefs, ref);
  }

  // Records: in use iff their ticket has a kind; a pending one has every
  // entry queued (each a reference on its object), a finished one none.
  let inUse = 0;
  const recHwm = u32[H_REC_HWM];
  for (let rec = 0; rec < recHwm; rec++) {
    const at = sec.rec + rec * REC_WORDS;
    if ((i32[at + R_KIND] & 3) === 0) continue;
    inUse++;
    const state = i32[at + R_STATE];
    const pending = state === PENDING || state === SLEEPING;
    for (let i = 0; i < u32[at + R_TOTAL]; i++) {
      const ent = sec.ent + (rec * ENTRIES_PER_REC + i) * ENT_WORDS;
      const queued = i32[ent + E_QUEUE] !== 0;
      if (queued !== pending) {
        bad.push(`record ${rec} (state ${state}): entry ${i} queued=${queued}`);
      }
      if (queued) add(objRefs, i32[ent + E_OBJ]);
    }
  }
  const taken = u32[H_RECS_TAKEN], freed = u32[H_RECS_FREED];
  if (((taken - freed) >>> 0) !== inUse) {
    bad.push(
      `records: counted ${(taken - freed) >>> 0} in use, found ${inUse}`,
    );
  }
  const spare = chain(
    i32,
    H_REC_SPARE,
    (r) => sec.rec + r * REC_WORDS + R_NEXT,
  );
  const freedList = chain(
    i32,
    H_REC_FREE,
    (r) => sec.rec + r * REC_WORDS + R_NEXT,
  );
  for (const r of [...spare, ...freedList]) {
    if ((i32[sec.rec + r * REC_WORDS + R_KIND] & 3) !== 0) {
      bad.push(`record ${r} is on a free list but in use`);
    }
  }
  if (spare.length + freedList.length + inUse !== recHwm) {
    bad.push(
      `records: ${spare.length} spare + ${freedList.length} freed + ${inUse} in use != ${recHwm} handed out`,
    );
  }

  // Objects: references, pins, queues.
  let live = 0;
  const objHwm = u32[H_OBJ_HWM];
  for (let obj = 0; obj < objHwm; obj++) {
    const at = sec.obj + obj * OBJ_WORDS;
    if ((i32[at + EVENT_STATE] & EV_PINNED) !== 0) {
      bad.push(`object ${obj} pinned`);
    }
    if (u32[at + O_TYPE] === 0) {
      if (objRefs.has(obj)) bad.push(`freed object ${obj} still referenced`);
      continue;
    }
    live++;
    add(instRefs, u32[at + O_INST]);
    if (u32[at + O_TYPE] === T_MUTEX) bad.push(...auditMutex(i32, sec, obj));
    if (u32[at + O_TYPE] === T_SEM) bad.push(...auditSem(u32, sec, obj));
    const want = objRefs.get(obj) ?? 0;
    if (u32[at + O_REFS] !== want) {
      bad.push(`object ${obj}: ${u32[at + O_REFS]} references, ${want} found`);
    }
    const any = walk(i32, sec.ent, obj, at + O_ANY_HEAD, at + O_ANY_TAIL, 1);
    const all = walk(i32, sec.ent, obj, at + O_ALL_HEAD, at + O_ALL_TAIL, 2);
    if (typeof any === "string") bad.push(`object ${obj} any-queue: ${any}`);
    if (typeof all === "string") bad.push(`object ${obj} all-queue: ${all}`);
    else if (all !== u32[at + O_ALL_HINT]) {
      bad.push(`object ${obj}: all_hint ${u32[at + O_ALL_HINT]}, queue ${all}`);
    }
  }
  if (u32[H_OBJS_LIVE] !== live) {
    bad.push(`objects: counted ${u32[H_OBJS_LIVE]} live, found ${live}`);
  }
  const objFree = chain(
    i32,
    H_OBJ_FREE,
    (o) => sec.obj + o * OBJ_WORDS + O_NEXT,
    -1,
  );
  if (objFree.length + live !== objHwm) {
    bad.push(`objects: ${objFree.length} free + ${live} live != ${objHwm}`);
  }

  let liveInst = 0;
  const instHwm = u32[H_INST_HWM];
  for (let id = 0; id < instHwm; id++) {
    const refs = u32[sec.inst + id * INST_WORDS];
    if (refs !== 0) liveInst++;
    if (refs !== (instRefs.get(id) ?? 0)) {
      bad.push(
        `instance ${id}: ${refs} references, ${instRefs.get(id) ?? 0} found`,
      );
    }
  }
  if (u32[H_INSTS_LIVE] !== liveInst) {
    bad.push(`instances: counted ${u32[H_INSTS_LIVE]} live, found ${liveInst}`);
  }
  const instFree = chain(
    i32,
    H_INST_FREE,
    (id) => sec.inst + id * INST_WORDS + 1,
    -1,
  );
  if (instFree.length + liveInst !== instHwm) {
    bad.push(
      `instances: ${instFree.length} free + ${liveInst} live != ${instHwm}`,
    );
  }
  return bad;
}

/**
 * The items of a free list whose head is at `head` (an item + 1 with end 0,
 * or with `end` -1, the item itself), linked through `next(item)`.
 */
function chain(
  i32: Int32Array,
  head: number,
  next: (item: number) => number,
  end = 0,
): number[] {
  const items: number[] = [];
  for (let v = i32[head]; v !== end && items.length < 1e7;) {
    const item = end === 0 ? v - 1 : v;
    items.push(item);
    v = i32[next(item)];
  }
  return items;
}

/** Walk one queue of `obj`: its length, or what is wrong with it. */
function walk(
  i32: Int32Array,
  ent: number,
  obj: number,
  headAt: number,
  tailAt: number,
  queue: number,
): number | string {
  let n = 0, prev = -1;
  for (let id = i32[headAt]; id !== -1; id = i32[ent + id * ENT_WORDS + 2]) {
    const e = ent + id * ENT_WORDS;
    if (i32[e + E_OBJ] !== obj) {
      return `entry ${id} names object ${i32[e + E_OBJ]}`;
    }
    if (i32[e + E_QUEUE] !== queue) {
      return `entry ${id} is in queue ${i32[e + E_QUEUE]}`;
    }
    if (i32[e + E_PREV] !== prev) {
      return `entry ${id}'s prev is ${i32[e + E_PREV]}, not ${prev}`;
    }
    prev = id;
    if (++n > 1e6) return "cycle";
  }
  if (i32[tailAt] !== prev) return `tail ${i32[tailAt]}, last entry ${prev}`;
  return n;
}

/**
 * A mutex's two forms (layout.ts, MX_SLOT): in fast form, its owner is a
 * registered slot and MUTEX_OWNER, MUTEX_COUNT and MUTEX_ABANDONED are 0;
 * else MUTEX_OWNER and MUTEX_COUNT are both 0 or both nonzero.
 */
function auditMutex(i32: Int32Array, sec: Sections, obj: number): string[] {
  const at = sec.obj + obj * OBJ_WORDS;
  const slot = (i32[at + EVENT_STATE] & MX_SLOT) >>> MX_SLOT_SHIFT;
  const owner = i32[at + MUTEX_OWNER], count = i32[at + MUTEX_COUNT];
  if (slot !== 0) {
    if (i32[sec.own + slot] === 0) return [`mutex ${obj}: empty slot ${slot}`];
    if (owner !== 0 || count !== 0 || i32[at + MUTEX_ABANDONED] !== 0) {
      return [`mutex ${obj}: fast form with owner ${owner} count ${count}`];
    }
  } else if ((owner === 0) !== (count === 0)) {
    return [`mutex ${obj}: owner ${owner} count ${count}`];
  }
  return [];
}

/**
 * A semaphore's count is in one place (layout.ts, SEM_FAST): SEM_COUNT, or
 * its word in fast form; and it is at most the maximum.
 */
function auditSem(u32: Uint32Array, sec: Sections, obj: number): string[] {
  const at = sec.obj + obj * OBJ_WORDS;
  const fast = (u32[at + EVENT_STATE] & SEM_FAST) >>> SEM_FAST_SHIFT;
  const count = u32[at + SEM_COUNT], max = u32[at + SEM_MAX];
  if (fast !== 0 && count !== 0) {
    return [`semaphore ${obj}: count ${count} and ${fast} in fast form`];
  }
  if (fast + count > max) return [`semaphore ${obj}: count past max ${max}`];
  return [];
}
