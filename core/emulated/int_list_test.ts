import assert from "node:assert/strict";
import { IntList } from "./int_list.ts";

Deno.test("IntList: grows past its first storage and keeps order", () => {
  const list = new IntList();
  for (let i = 0; i < 100; i++) list.push(i * 3 - 7);
  assert.equal(list.length, 100);
  for (let i = 0; i < 100; i++) assert.equal(list.at(i), i * 3 - 7);
});

Deno.test("IntList: clear() empties it for reuse", () => {
  const list = new IntList();
  list.push(1);
  list.push(2);
  list.clear();
  assert.equal(list.length, 0);
  list.push(5);
  assert.equal(list.length, 1);
  assert.equal(list.at(0), 5);
});
