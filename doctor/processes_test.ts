import assert from "node:assert/strict";
import {
  describeHolder,
  probeProcesses,
  switchFindings,
  wineRole,
} from "./processes.ts";
import { fakeSystem } from "./testdata/fake_system.ts";

function proc(
  pid: number,
  comm: string,
  argv: string[],
  fds: Record<number, string>,
) {
  const files: Record<string, string> = {
    [`/proc/${pid}/comm`]: comm + "\n",
    [`/proc/${pid}/cmdline`]: argv.map((a) => a + "\0").join(""),
  };
  const links: Record<string, string> = {};
  for (const [fd, target] of Object.entries(fds)) {
    links[`/proc/${pid}/fd/${fd}`] = target;
  }
  return { files, links };
}

function machine(...ps: ReturnType<typeof proc>[]) {
  return {
    files: Object.assign({}, ...ps.map((p) => p.files)),
    links: Object.assign({}, ...ps.map((p) => p.links)),
  };
}

Deno.test("wineRole", () => {
  assert.equal(wineRole("wineserver", "/usr/bin/wineserver"), "wineserver");
  assert.equal(
    wineRole("wine64-preloade", "/usr/lib/wine/wine64-preloader"),
    "wine",
  );
  assert.equal(
    wineRole("steam.exe", "C:\\Program Files\\Steam\\steam.exe"),
    "wine",
  );
  assert.equal(wineRole("bash", "/bin/bash"), null);
});

Deno.test("Wine holding the device and objects is found and named", () => {
  using fake = fakeSystem({
    pid: 4242,
    ...machine(
      proc(100, "wineserver", ["/usr/bin/wineserver"], {
        0: "/dev/null",
        5: "/dev/ntsync",
        6: "anon_inode:ntsync",
        7: "anon_inode:ntsync",
        8: "anon_inode:[eventfd]",
      }),
      proc(200, "game.exe", ["C:\\game.exe", "-windowed"], {
        3: "/dev/ntsync",
        9: "anon_inode:ntsync",
      }),
      proc(300, "bash", ["/bin/bash"], { 0: "/dev/pts/0" }),
      proc(4242, "deno", ["deno"], { 3: "/dev/ntsync" }), // the doctor itself: excluded
    ),
    dirs: ["/proc/self", "/proc/sys"],
  });
  const r = probeProcesses(fake.system);
  assert.equal(r.inspected, 3);
  assert.equal(r.uninspectable, 0);
  assert.deepEqual(
    r.holders.map((h) => [h.pid, h.deviceFds, h.objectFds, h.wine]),
    [
      [100, 1, 2, "wineserver"],
      [200, 1, 1, "wine"],
    ],
  );
  assert.equal(r.holders[1].cmdline, "C:\\game.exe -windowed");
  assert.equal(
    describeHolder(r.holders[0]),
    "wineserver (100): 1 instance, 2 objects",
  );
  const wine = r.findings.find((f) => f.id === "processes.wine")!;
  assert.equal(wine.status, "ok");
  assert.match(wine.summary, /wineserver 100/);
});

Deno.test("a wineserver without ntsync warns", () => {
  using fake = fakeSystem(
    machine(proc(100, "wineserver", ["wineserver"], { 3: "/dev/null" })),
  );
  const r = probeProcesses(fake.system);
  assert.equal(r.holders.length, 0);
  assert.deepEqual(r.wineProcesses, [{
    pid: 100,
    comm: "wineserver",
    role: "wineserver",
    switches: [],
  }]);
  assert.equal(
    r.findings.find((f) => f.id === "processes.wine")!.status,
    "warn",
  );
  assert.match(
    r.findings[0].summary,
    /no process has ntsync open \(1 process inspected\)/,
  );
});

Deno.test("Wine and Proton switches: each process's and the doctor's own, and what they mean", () => {
  const game = proc(200, "game.exe", ["C:\\game.exe"], { 3: "/dev/ntsync" });
  game.files["/proc/200/environ"] = "HOME=/home/u\0PROTON_NO_NTSYNC=1\0";
  const server = proc(100, "wineserver", ["wineserver"], { 3: "/dev/null" });
  server.files["/proc/100/environ"] = "WINENTSYNC=1\0PROTON_USE_NTSYNC=1\0";
  const self = proc(4242, "deno", ["deno"], {});
  self.files["/proc/4242/environ"] = "WINE_DISABLE_FAST_SYNC=0\0";
  using fake = fakeSystem({ pid: 4242, ...machine(game, server, self) });
  const r = probeProcesses(fake.system);
  const lines = r.findings.filter((f) => f.id === "processes.switches");
  assert.deepEqual(lines.map((f) => [f.status, f.summary]), [
    [
      "info",
      "this environment (Wine started from it inherits it) sets WINE_DISABLE_FAST_SYNC=0",
    ],
    ["info", "wineserver (100) sets PROTON_USE_NTSYNC=1, WINENTSYNC=1"],
    ["warn", "game.exe (200) sets PROTON_NO_NTSYNC=1"],
  ]);
  assert.match(lines[2].detail!, /opts out: Proton 11 does not use ntsync/);
  assert.match(lines[1].detail!, /upstream Wine ignores it/);
  assert.match(lines[0].detail!, /no effect/);
});

Deno.test("no switch anywhere: one line that says so and what upstream Wine does", () => {
  const [line] = switchFindings([], []);
  assert.equal(line.status, "info");
  assert.match(line.summary, /^none set \(PROTON_USE_NTSYNC, PROTON_NO_NTSYNC/);
  assert.match(line.detail!, /Upstream Wine has no switch/);
});

Deno.test("permission-denied fd directories are counted, not fatal", () => {
  using fake = fakeSystem({
    ...machine(
      proc(1, "systemd", ["/sbin/init"], { 0: "/dev/null" }),
      proc(2, "sshd", ["sshd"], { 0: "/dev/null" }),
      proc(50, "node", ["node"], { 4: "/dev/ntsync (deleted)" }),
    ),
    denied: ["/proc/1/fd", "/proc/2/fd"],
  });
  const r = probeProcesses(fake.system);
  assert.equal(r.uninspectable, 2);
  assert.equal(r.inspected, 1);
  assert.equal(r.holders[0].deviceFds, 1);
  const denied = r.findings.find((f) => f.id === "processes.denied")!;
  assert.equal(denied.summary, "could not inspect 2 processes");
});

Deno.test("no /proc at all: skip", () => {
  using fake = fakeSystem({});
  const r = probeProcesses(fake.system);
  assert.equal(r.findings[0].status, "skip");
});

Deno.test("/proc hidden by Deno: skip with the --allow-all fix", () => {
  using fake = fakeSystem({ dirs: ["/proc/1"], notCapable: ["/proc"] });
  const r = probeProcesses(fake.system);
  assert.equal(r.findings[0].status, "skip");
  assert.match(r.findings[0].summary, /--allow-all/);
  assert.match(r.findings[0].fix![0], /--allow-all/);
});
