/**
 * What the NT layer does beyond Wine's own tests: Windows' answer where it
 * differs from Wine's (duplicates in a wait-all, a closed mutex abandoned by
 * its owner's death), timeouts in both NT forms, handle duplication and
 * access, thread exit codes. On every backend.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  DUPLICATE_CLOSE_SOURCE,
  DUPLICATE_SAME_ACCESS,
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_HANDLE,
  ERROR_INVALID_PARAMETER,
  EVENT_QUERY_STATE,
  INFINITE,
  Kernel32,
  MUTANT_BASIC_INFORMATION,
  ntTimeFromUnixNs,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER_1,
  STATUS_INVALID_PARAMETER_MIX,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_EXISTS,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_SUCCESS,
  STATUS_TIMEOUT,
  STILL_ACTIVE,
  SYNCHRONIZE,
  WAIT_ABANDONED_0,
  WAIT_FAILED,
  WAIT_OBJECT_0,
  WAIT_TIMEOUT,
  WaitAll,
} from "../../nt/mod.ts";
import { InitializeObjectAttributes, OBJ_OPENIF } from "../../nt/ntdll.ts";
import { backendsUnderTest } from "../_backends.ts";
import { NtProcess } from "../../nt/process.ts";
import { THREAD } from "../../nt/shared.ts";
import { createThreadRow, endThread } from "../../nt/threads.ts";
import { warmUpThreads } from "./_wine.ts";

const THREADS = new URL("./_layer_threads.ts", import.meta.url).href;
await warmUpThreads(THREADS);

for (const backend of backendsUnderTest()) {
  const name = (s: string) => `${backend.kind}: nt layer: ${s}`;

  Deno.test(
    name(
      "one object twice in a wait-all is STATUS_INVALID_PARAMETER_MIX (Windows), in a wait-any fine",
    ),
    () => {
      using k32 = Kernel32.open(backend);
      const ev = k32.CreateEventW(null, true, true, null);
      const dup = new Uint32Array(1);
      assert.ok(
        k32.DuplicateHandle(-1, ev, -1, dup, 0, false, DUPLICATE_SAME_ACCESS),
      );
      const nt = k32.ntdll;
      assert.equal(
        nt.NtWaitForMultipleObjects(2, [ev, ev], WaitAll, false, 0n),
        STATUS_INVALID_PARAMETER_MIX,
      );
      assert.equal(
        nt.NtWaitForMultipleObjects(2, [ev, dup[0]], WaitAll, false, 0n),
        STATUS_INVALID_PARAMETER_MIX,
      );
      assert.equal(
        k32.WaitForMultipleObjects(2, [ev, ev], true, 0),
        WAIT_FAILED,
      );
      assert.equal(k32.GetLastError(), ERROR_INVALID_PARAMETER);
      assert.equal(
        k32.WaitForMultipleObjects(2, [ev, dup[0]], false, 0),
        WAIT_OBJECT_0,
      );
    },
  );

  Deno.test(
    name(
      "wait counts of 0 and 65 are STATUS_INVALID_PARAMETER_1; Win32 over 64 is ERROR_INVALID_PARAMETER",
    ),
    () => {
      using k32 = Kernel32.open(backend);
      const ev = k32.CreateEventW(null, true, true, null);
      const many = new Array(65).fill(ev);
      assert.equal(
        k32.ntdll.NtWaitForMultipleObjects(0, [], 1, false, 0n),
        STATUS_INVALID_PARAMETER_1,
      );
      assert.equal(
        k32.ntdll.NtWaitForMultipleObjects(65, many, 1, false, 0n),
        STATUS_INVALID_PARAMETER_1,
      );
      k32.SetLastError(0);
      assert.equal(k32.WaitForMultipleObjects(65, many, false, 0), WAIT_FAILED);
      assert.equal(k32.GetLastError(), ERROR_INVALID_PARAMETER);
    },
  );

  Deno.test(
    name(
      "timeouts: relative, absolute since 1601 on the realtime clock, null forever",
    ),
    () => {
      using k32 = Kernel32.open(backend);
      const ev = k32.CreateEventW(null, true, false, null);
      const nt = k32.ntdll;
      // Absolute, already past (1601 + 1 s): a poll.
      assert.equal(
        nt.NtWaitForSingleObject(ev, false, 10_000_000n),
        STATUS_TIMEOUT,
      );
      // Absolute, 20 ms from now.
      const now = ntTimeFromUnixNs(BigInt(Date.now()) * 1_000_000n);
      const t0 = performance.now();
      assert.equal(
        nt.NtWaitForSingleObject(ev, false, now + 200_000n),
        STATUS_TIMEOUT,
      );
      assert.ok(
        performance.now() - t0 >= 10,
        "an absolute timeout in the future waits",
      );
      // Relative 10 ms.
      assert.equal(
        nt.NtWaitForSingleObject(ev, false, -100_000n),
        STATUS_TIMEOUT,
      );
      k32.SetEvent(ev);
      assert.equal(nt.NtWaitForSingleObject(ev, false, null), STATUS_SUCCESS);
      assert.equal(k32.WaitForSingleObject(ev, INFINITE), WAIT_OBJECT_0);
    },
  );

  Deno.test(name("closed handles and handles of the wrong type"), () => {
    using k32 = Kernel32.open(backend);
    const ev = k32.CreateEventW(null, false, false, null);
    const mutex = k32.CreateMutexW(null, false, null);
    assert.equal(ev % 4, 0);
    assert.equal(
      k32.ntdll.NtReleaseMutant(ev, null),
      STATUS_OBJECT_TYPE_MISMATCH,
    );
    assert.equal(k32.ReleaseMutex(ev), false);
    assert.equal(k32.GetLastError(), ERROR_INVALID_HANDLE);
    assert.equal(
      k32.ntdll.NtSetEvent(mutex, null),
      STATUS_OBJECT_TYPE_MISMATCH,
    );
    assert.ok(k32.CloseHandle(ev));
    assert.equal(k32.CloseHandle(ev), false);
    assert.equal(k32.GetLastError(), ERROR_INVALID_HANDLE);
    assert.equal(k32.ntdll.NtSetEvent(ev, null), STATUS_INVALID_HANDLE);
    assert.equal(k32.SetEvent(ev | 3), false);
    assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_FAILED);
    assert.equal(k32.GetLastError(), ERROR_INVALID_HANDLE);
  });

  Deno.test(
    name("access masks: a handle without the right is ERROR_ACCESS_DENIED"),
    () => {
      using k32 = Kernel32.open(backend);
      const ev = k32.CreateEventW(null, true, false, "Local\\access");
      const query = k32.OpenEventW(EVENT_QUERY_STATE, false, "access");
      assert.notEqual(query, 0);
      assert.equal(k32.SetEvent(query), false);
      assert.equal(k32.GetLastError(), ERROR_ACCESS_DENIED);
      assert.equal(k32.WaitForSingleObject(query, 0), WAIT_FAILED);
      assert.equal(k32.GetLastError(), ERROR_ACCESS_DENIED);
      const sync = new Uint32Array(1);
      assert.ok(
        k32.DuplicateHandle(
          -1,
          query,
          -1,
          sync,
          SYNCHRONIZE,
          false,
          DUPLICATE_CLOSE_SOURCE,
        ),
      );
      assert.equal(k32.CloseHandle(query), false, "the source was closed");
      assert.equal(k32.WaitForSingleObject(sync[0], 0), WAIT_TIMEOUT);
      k32.SetEvent(ev);
      assert.equal(k32.WaitForSingleObject(sync[0], 0), WAIT_OBJECT_0);
    },
  );

  Deno.test(
    name("names: collision without OBJ_OPENIF, exists with it, type mismatch"),
    () => {
      using k32 = Kernel32.open(backend);
      const nt = k32.ntdll;
      const h = new Uint32Array(1);
      const attr = InitializeObjectAttributes("\\BaseNamedObjects\\n");
      assert.equal(
        nt.NtCreateEvent(h, 0x1F0003, attr, 0, false),
        STATUS_SUCCESS,
      );
      assert.equal(
        nt.NtCreateEvent(h, 0x1F0003, attr, 0, false),
        STATUS_OBJECT_NAME_COLLISION,
      );
      const openif = InitializeObjectAttributes(
        "\\BaseNamedObjects\\n",
        OBJ_OPENIF,
      );
      assert.equal(
        nt.NtCreateEvent(h, 0x1F0003, openif, 0, false),
        STATUS_OBJECT_NAME_EXISTS,
      );
      assert.equal(
        nt.NtCreateMutant(h, 0x1F0001, openif, false),
        STATUS_OBJECT_TYPE_MISMATCH,
      );
      assert.equal(k32.CreateMutexW(null, false, "n"), 0);
      assert.equal(k32.GetLastError(), ERROR_INVALID_HANDLE);
    },
  );

  Deno.test(
    name(
      "a thread that exits holding a mutex (its own handle closed) abandons it",
    ),
    async () => {
      const k32 = Kernel32.open(backend);
      try {
        const mutex = k32.CreateMutexW(null, false, "Local\\orphan");
        const dup = new Uint32Array(1);
        // The thread closes `mutex`; the main thread keeps `dup`.
        k32.DuplicateHandle(
          -1,
          mutex,
          -1,
          dup,
          0,
          false,
          DUPLICATE_SAME_ACCESS,
        );
        const thread = k32.CreateThread(THREADS, "take_and_close", mutex);
        assert.equal(k32.WaitForSingleObject(thread, 10_000), WAIT_OBJECT_0);
        const code = new Uint32Array(1);
        assert.ok(k32.GetExitCodeThread(thread, code));
        assert.equal(code[0], 7);
        assert.equal(k32.WaitForSingleObject(dup[0], 0), WAIT_ABANDONED_0);
        assert.ok(k32.ReleaseMutex(dup[0]));
        await k32.joinThreads();
      } finally {
        k32.close();
      }
    },
  );

  Deno.test(
    name(
      "GetExitCodeThread: STILL_ACTIVE while running, ExitThread's code after",
    ),
    async () => {
      const k32 = Kernel32.open(backend);
      try {
        const done = k32.CreateEventW(null, true, false, null);
        const code = new Uint32Array(1);
        assert.ok(k32.GetExitCodeThread(k32.GetCurrentThread(), code));
        assert.equal(code[0], STILL_ACTIVE);
        const tid = new Uint32Array(1);
        const t1 = k32.CreateThread(THREADS, "report_tid", { done }, 0, tid);
        assert.equal(k32.WaitForSingleObject(t1, 10_000), WAIT_OBJECT_0);
        assert.ok(k32.GetExitCodeThread(t1, code));
        assert.equal(code[0], tid[0], "the thread's own GetCurrentThreadId");
        assert.notEqual(tid[0], k32.GetCurrentThreadId());
        assert.equal(k32.GetThreadId(t1), tid[0]);
        const t2 = k32.CreateThread(THREADS, "exit_early", 0xC0FFEE);
        assert.equal(k32.WaitForSingleObject(t2, 10_000), WAIT_OBJECT_0);
        assert.ok(k32.GetExitCodeThread(t2, code));
        assert.equal(code[0], 0xC0FFEE);
        await k32.joinThreads();
      } finally {
        k32.close();
      }
    },
  );

  Deno.test(
    name(
      "more threads over time than the thread table has rows: an ended thread with no handle frees its row",
    ),
    () => {
      const process = NtProcess.create(backend);
      try {
        for (let i = 0; i < 3 * THREAD.max; i++) {
          const info = createThreadRow(process, false, 1000 + i);
          assert.ok(info, `row for thread ${i}`);
          const handle = process.table.addHandle(info.object, 0x1F_FFFF);
          assert.ok(endThread(process, info.row, i));
          assert.ok(process.table.close(handle));
        }
      } finally {
        process.table.closeAll();
        process.close();
      }
    },
  );

  Deno.test(name("NtQueryMutant of a mutant this thread owns"), () => {
    using k32 = Kernel32.open(backend);
    const m = k32.CreateMutexW(null, true, null);
    const info = new MUTANT_BASIC_INFORMATION();
    assert.equal(k32.ntdll.NtQueryMutant(m, 0, info, 8, null), STATUS_SUCCESS);
    assert.deepEqual([
      info.CurrentCount,
      info.OwnedByCaller,
      info.AbandonedState,
    ], [0, true, false]);
  });
}
