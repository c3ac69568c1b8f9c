// Records every built-in module the package asks for, then imports it and
// uses the emulated backend: prints the FFI or thread modules requested
// (none expected) as JSON.
const asked = [];
const get = process.getBuiltinModule;
process.getBuiltinModule = function (id) {
  asked.push(id);
  return get.call(this, id);
};
const { openDevice } = await import("@ntsync/ntsync");
const dev = openDevice("emulated");
const ev = dev.createEvent({ manual: false, signaled: true });
if (dev.waitAny([ev], { timeout: 0 }).status !== "signaled") process.exit(3);
await dev.waitAnyAsync([ev], { timeout: 10 });
dev.close();
const loaded = asked.filter((id) =>
  /worker_threads|bun:ffi|node:module|koffi/.test(id)
);
console.log(JSON.stringify(loaded));
