import assert from "node:assert/strict";
import {
  groupsListing,
  nameOf,
  parseIdDatabase,
  readIdentity,
  statusField,
} from "./users.ts";
import { fakeSystem } from "./testdata/fake_system.ts";

Deno.test("passwd/group parsing, first entry wins", () => {
  const m = parseIdDatabase(
    "root:x:0:0::/root:/bin/sh\n#c\nalice:x:1000:1000::/h:/bin/sh\ndup:x:0:0\n",
  );
  assert.equal(m.get(0), "root");
  assert.equal(m.get(1000), "alice");
  assert.equal(nameOf(m, 1000), "alice (1000)");
  assert.equal(nameOf(m, 7), "7");
  assert.deepEqual(
    groupsListing("a:x:5:bob,alice\nb:x:6:bob\nc:x:7:\n", "alice"),
    [5],
  );
});

Deno.test("status fields", () => {
  const s = "Name:\tx\nUid:\t1000\t1001\t1000\t1000\nGroups:\t4 24 27 \n";
  assert.deepEqual(statusField(s, "Groups"), [4, 24, 27]);
  assert.deepEqual(statusField(s, "Uid"), [1000, 1001, 1000, 1000]);
  assert.equal(statusField(s, "Gid"), undefined);
  assert.deepEqual(statusField("Groups:\t\n", "Groups"), []);
});

Deno.test("readIdentity joins ids, names and session groups", () => {
  using fake = fakeSystem({
    uid: 1000,
    gid: 1000,
    files: {
      "/etc/passwd":
        "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
      "/etc/group":
        "root:x:0:\nalice:x:1000:\ngames:x:60:alice\nvideo:x:44:alice\n",
      "/proc/self/status": "Groups:\t44 1000\n",
    },
  });
  const who = readIdentity(fake.system);
  assert.equal(who.user, "alice");
  assert.deepEqual(who.gids, [44, 1000]);
  assert.deepEqual(who.listedGroups, [60, 44]);
  assert.equal(who.groupNames.get(60), "games");
});
