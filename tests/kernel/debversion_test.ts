import assert from "node:assert/strict";
import { compareDebVersions, parseDebVersion } from "./debversion.ts";

const sign = (n: number) => Math.sign(n);

Deno.test("parseDebVersion splits epoch, upstream and revision", () => {
  assert.deepEqual(parseDebVersion("1:7.2+dfsg-7+deb12u18+b3"), {
    epoch: 1,
    upstream: "7.2+dfsg",
    revision: "7+deb12u18+b3",
  });
  assert.deepEqual(parseDebVersion("7.2.13+deb14"), {
    epoch: 0,
    upstream: "7.2.13+deb14",
    revision: "",
  });
  // Only the last dash separates the revision.
  assert.deepEqual(parseDebVersion("1.2-3-4"), {
    epoch: 0,
    upstream: "1.2-3",
    revision: "4",
  });
});

Deno.test("compareDebVersions orders numbers numerically, not as text", () => {
  assert.equal(sign(compareDebVersions("6.10.1-1", "6.9.12-1")), 1);
  assert.equal(sign(compareDebVersions("6.9.12-1", "6.10.1-1")), -1);
  assert.equal(sign(compareDebVersions("7.2.13+deb14", "7.2.9+deb14")), 1);
  assert.equal(sign(compareDebVersions("1.010", "1.10")), 0);
});

Deno.test("compareDebVersions: tilde sorts before the end, letters before symbols", () => {
  assert.equal(sign(compareDebVersions("7.0~rc1-1", "7.0-1")), -1);
  assert.equal(sign(compareDebVersions("1.0~~", "1.0~")), -1);
  assert.equal(sign(compareDebVersions("1.0a", "1.0+")), -1);
  assert.equal(sign(compareDebVersions("1.0", "1.0+b1")), -1);
  assert.equal(sign(compareDebVersions("1.0+b1", "1.0")), 1);
});

Deno.test("compareDebVersions: epoch dominates, revision breaks ties", () => {
  assert.equal(sign(compareDebVersions("1:0.1", "9.9")), 1);
  assert.equal(sign(compareDebVersions("2.0-2", "2.0-10")), -1);
  assert.equal(sign(compareDebVersions("2.0-1", "2.0-1")), 0);
});

Deno.test("compareDebVersions agrees with a sort of known dpkg order", () => {
  const ordered = [
    "6.1~rc1",
    "6.1",
    "6.1.2",
    "6.1.10",
    "6.1.10+deb12",
    "6.10",
    "1:0",
  ];
  const shuffled = [...ordered].reverse();
  shuffled.sort(compareDebVersions);
  assert.deepEqual(shuffled, ordered);
});
