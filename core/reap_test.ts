import assert from "node:assert/strict";
import { reapOwners } from "./reap.ts";
import { EmulatedBackend } from "./emulated/backend.ts";

Deno.test("reapOwners: the thread first, then further owners once each", () => {
  assert.deepEqual(reapOwners(4, undefined), [4]);
  assert.deepEqual(reapOwners(4, {}), [4]);
  assert.deepEqual(reapOwners(4, { owners: [9, 4, 9, 0xffff_ffff] }), [
    4,
    9,
    0xffff_ffff,
  ]);
});

Deno.test("reapOwners: bad shapes and owners are refused, naming them", () => {
  assert.throws(() => reapOwners(4, null as never), {
    name: "TypeError",
    message: "reap: options must be an object, got null",
  });
  assert.throws(() => reapOwners(4, { owner: [5] } as never), {
    name: "TypeError",
    message: 'reap: unknown option "owner"; the only option is owners',
  });
  assert.throws(() => reapOwners(4, { owners: 5 } as never), {
    name: "TypeError",
    message: /^reap: options\.owners must be an array/,
  });
  assert.throws(() => reapOwners(4, { owners: [7, 0] }), {
    name: "RangeError",
    message:
      "reap: options.owners[1] must be an integer in [1, 4294967295], got 0",
  });
});

Deno.test("EmulatedBackend.create: a misspelt capacity is a TypeError naming it", () => {
  assert.throws(() => EmulatedBackend.create({ maxFd: 8 } as never), {
    name: "TypeError",
    message:
      'EmulatedBackend.create: unknown option "maxFd"; the options are maxFds, maxObjects, maxWaits',
  });
});
