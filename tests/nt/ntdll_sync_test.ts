/**
 * Wine's `dlls/ntdll/tests/sync.c`, the functions ntsync backs, ported
 * check by check in the C file's order (`test_event`, `test_mutant`,
 * `test_semaphore`, `test_delayexecution`), on every backend. What is left
 * out, and why, is listed in tests/nt/SKIPPED.md.
 *
 * @module
 */

import {
  EVENT_BASIC_INFORMATION,
  GENERIC_ALL,
  InitializeObjectAttributes,
  Kernel32,
  MUTANT_BASIC_INFORMATION,
  MutantBasicInformation,
  NotificationEvent,
  SEMAPHORE_BASIC_INFORMATION,
  SemaphoreBasicInformation,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_YIELD_PERFORMED,
  STATUS_SEMAPHORE_LIMIT_EXCEEDED,
  STATUS_SUCCESS,
  STATUS_USER_APC,
  SynchronizationEvent,
  WAIT_ABANDONED_0,
  WAIT_IO_COMPLETION,
  WAIT_OBJECT_0,
} from "../../nt/mod.ts";
import { EventBasicInformation } from "../../nt/info.ts";
import { apc } from "./_ntdll_threads.ts";
import { hex, ok, warmUpThreads, wineTest } from "./_wine.ts";

const THREADS = new URL("./_ntdll_threads.ts", import.meta.url).href;
await warmUpThreads(THREADS);

wineTest("ntdll:sync", "test_event", (backend) => {
  using k32 = Kernel32.open(backend);
  const nt = k32.ntdll;
  const event = new Uint32Array(1);
  const event2 = new Uint32Array(1);
  const prev_state = new Int32Array([0xdeadbeef | 0]);
  let status: number;
  let info: EVENT_BASIC_INFORMATION;
  const attr = InitializeObjectAttributes("\\BaseNamedObjects\\testEvent");
  const query = () => {
    info = new EVENT_BASIC_INFORMATION(); // memset(&info, 0xcc, sizeof(info))
    return nt.NtQueryEvent(
      event[0],
      EventBasicInformation,
      info,
      EVENT_BASIC_INFORMATION.size,
      null,
    );
  };

  status = nt.NtCreateEvent(event, GENERIC_ALL, attr, 2, 0);
  ok(
    status === STATUS_INVALID_PARAMETER,
    `NtCreateEvent failed ${hex(status)}`,
  );

  status = nt.NtCreateEvent(event, GENERIC_ALL, attr, NotificationEvent, 0);
  ok(status === STATUS_SUCCESS, `NtCreateEvent failed ${hex(status)}`);
  status = query();
  ok(status === STATUS_SUCCESS, `NtQueryEvent failed ${hex(status)}`);
  ok(
    info!.EventType === NotificationEvent && info!.EventState === 0,
    `NtQueryEvent failed, expected 0 0, got ${info!.EventType} ${
      info!.EventState
    }`,
  );
  nt.NtClose(event[0]);

  status = nt.NtCreateEvent(event, GENERIC_ALL, attr, SynchronizationEvent, 0);
  ok(status === STATUS_SUCCESS, `NtCreateEvent failed ${hex(status)}`);

  status = nt.NtPulseEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtPulseEvent failed ${hex(status)}`);
  ok(!prev_state[0], `prev_state = ${prev_state[0]}`);

  status = query();
  ok(status === STATUS_SUCCESS, `NtQueryEvent failed ${hex(status)}`);
  ok(
    info!.EventType === SynchronizationEvent && info!.EventState === 0,
    `NtQueryEvent failed, expected 1 0, got ${info!.EventType} ${
      info!.EventState
    }`,
  );

  status = nt.NtOpenEvent(event2, GENERIC_ALL, attr);
  ok(status === STATUS_SUCCESS, `NtOpenEvent failed ${hex(status)}`);

  nt.NtClose(event[0]);
  event[0] = event2[0];

  status = query();
  ok(status === STATUS_SUCCESS, `NtQueryEvent failed ${hex(status)}`);
  ok(
    info!.EventType === SynchronizationEvent && info!.EventState === 0,
    `NtQueryEvent failed, expected 1 0, got ${info!.EventType} ${
      info!.EventState
    }`,
  );

  status = nt.NtSetEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtSetEvent failed: ${hex(status)}`);
  ok(!prev_state[0], `prev_state = ${prev_state[0]}`);

  status = query();
  ok(status === STATUS_SUCCESS, `NtQueryEvent failed ${hex(status)}`);
  ok(
    info!.EventType === SynchronizationEvent && info!.EventState === 1,
    `NtQueryEvent failed, expected 1 1, got ${info!.EventType} ${
      info!.EventState
    }`,
  );

  status = nt.NtSetEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtSetEvent failed: ${hex(status)}`);
  ok(prev_state[0] === 1, `prev_state = ${prev_state[0]}`);

  status = nt.NtResetEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtSetEvent failed: ${hex(status)}`);
  ok(prev_state[0] === 1, `prev_state = ${prev_state[0]}`);

  status = nt.NtResetEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtSetEvent failed: ${hex(status)}`);
  ok(!prev_state[0], `prev_state = ${prev_state[0]}`);

  status = nt.NtPulseEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtPulseEvent failed ${hex(status)}`);
  ok(!prev_state[0], `prev_state = ${prev_state[0]}`);

  status = nt.NtSetEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtSetEvent failed: ${hex(status)}`);
  ok(!prev_state[0], `prev_state = ${prev_state[0]}`);

  status = nt.NtPulseEvent(event[0], prev_state);
  ok(status === STATUS_SUCCESS, `NtPulseEvent failed ${hex(status)}`);
  ok(prev_state[0] === 1, `prev_state = ${prev_state[0]}`);

  nt.NtClose(event[0]);

  status = nt.NtCreateEvent(event, GENERIC_ALL, attr, SynchronizationEvent, 0);
  ok(status === STATUS_SUCCESS, `NtCreateEvent failed ${hex(status)}`);

  status = nt.NtSetEventBoostPriority(event[0]);
  ok(
    status === STATUS_SUCCESS,
    `NtSetEventBoostPriority failed: ${hex(status)}`,
  );

  status = query();
  ok(status === STATUS_SUCCESS, `NtQueryEvent failed ${hex(status)}`);
  ok(
    info!.EventState === 1,
    `NtQueryEventBoostPriority failed, expected 1, got ${info!.EventState}`,
  );

  nt.NtClose(event[0]);
});

wineTest("ntdll:sync", "test_mutant", async (backend) => {
  const k32 = Kernel32.open(backend);
  try {
    const nt = k32.ntdll;
    const mutant = new Uint32Array(1);
    const len = new Uint32Array(1);
    const prev = new Int32Array(1);
    let info = new MUTANT_BASIC_INFORMATION();
    let status: number;
    let ret: number;
    const query = (h = mutant[0], l = MUTANT_BASIC_INFORMATION.size) => {
      info = new MUTANT_BASIC_INFORMATION(); // memset(&info, 0xcc, sizeof(info))
      return nt.NtQueryMutant(h, MutantBasicInformation, info, l, null);
    };

    const attr = InitializeObjectAttributes("\\BaseNamedObjects\\test_mutant");
    status = nt.NtCreateMutant(mutant, GENERIC_ALL, attr, true);
    ok(status === STATUS_SUCCESS, `Failed to create Mutant(${hex(status)})`);

    /* bogus */
    status = query(mutant[0], 0);
    ok(
      status === STATUS_INFO_LENGTH_MISMATCH,
      `Failed to NtQueryMutant, expected STATUS_INFO_LENGTH_MISMATCH, got ${
        hex(status)
      }`,
    );
    status = nt.NtQueryMutant(
      mutant[0],
      0x42,
      info,
      MUTANT_BASIC_INFORMATION.size,
      null,
    );
    ok(
      status === STATUS_INVALID_INFO_CLASS,
      `Failed to NtQueryMutant, expected STATUS_INVALID_INFO_CLASS, got ${
        hex(status)
      }`,
    );
    status = query(0xdeadbeef);
    ok(
      status === STATUS_INVALID_HANDLE,
      `Failed to NtQueryMutant, expected STATUS_INVALID_HANDLE, got ${
        hex(status)
      }`,
    );

    /* new */
    len[0] = -1;
    info = new MUTANT_BASIC_INFORMATION();
    status = nt.NtQueryMutant(
      mutant[0],
      MutantBasicInformation,
      info,
      MUTANT_BASIC_INFORMATION.size,
      len,
    );
    ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
    ok(info.CurrentCount === 0, `expected 0, got ${info.CurrentCount}`);
    ok(info.OwnedByCaller === true, `expected TRUE, got ${info.OwnedByCaller}`);
    ok(
      info.AbandonedState === false,
      `expected FALSE, got ${info.AbandonedState}`,
    );
    ok(len[0] === MUTANT_BASIC_INFORMATION.size, `got ${len[0]}`);

    ret = k32.WaitForSingleObject(mutant[0], 1000);
    ok(ret === WAIT_OBJECT_0, `WaitForSingleObject failed ${hex(ret)}`);

    status = query();
    ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
    ok(info.CurrentCount === -1, `expected -1, got ${info.CurrentCount}`);
    ok(info.OwnedByCaller === true, `expected TRUE, got ${info.OwnedByCaller}`);
    ok(
      info.AbandonedState === false,
      `expected FALSE, got ${info.AbandonedState}`,
    );

    prev[0] = 0xdeadbeef;
    status = nt.NtReleaseMutant(mutant[0], prev);
    ok(status === STATUS_SUCCESS, `NtReleaseMutant failed ${hex(status)}`);
    ok(prev[0] === -1, `NtReleaseMutant failed, expected -1, got ${prev[0]}`);

    prev[0] = 0xdeadbeef;
    status = nt.NtReleaseMutant(mutant[0], prev);
    ok(status === STATUS_SUCCESS, `NtReleaseMutant failed ${hex(status)}`);
    ok(prev[0] === 0, `NtReleaseMutant failed, expected 0, got ${prev[0]}`);

    status = query();
    ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
    ok(info.CurrentCount === 1, `expected 1, got ${info.CurrentCount}`);
    ok(
      info.OwnedByCaller === false,
      `expected FALSE, got ${info.OwnedByCaller}`,
    );
    ok(
      info.AbandonedState === false,
      `expected FALSE, got ${info.AbandonedState}`,
    );

    /* abandoned */
    const thread = k32.CreateThread(THREADS, "mutant_thread", mutant[0]);
    // Wine waits 1000 ms; a Worker can take longer than that to start on a
    // loaded machine, and the check is about abandonment, not speed.
    ret = k32.WaitForSingleObject(thread, 10_000);
    ok(ret === WAIT_OBJECT_0, `WaitForSingleObject failed ${hex(ret)}`);
    k32.CloseHandle(thread);

    status = query();
    ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
    ok(info.CurrentCount === 1, `expected 0, got ${info.CurrentCount}`);
    ok(
      info.OwnedByCaller === false,
      `expected FALSE, got ${info.OwnedByCaller}`,
    );
    ok(
      info.AbandonedState === true,
      `expected TRUE, got ${info.AbandonedState}`,
    );

    ret = k32.WaitForSingleObject(mutant[0], 1000);
    ok(ret === WAIT_ABANDONED_0, `WaitForSingleObject failed ${hex(ret)}`);

    status = query();
    ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
    ok(info.CurrentCount === 0, `expected 0, got ${info.CurrentCount}`);
    ok(info.OwnedByCaller === true, `expected TRUE, got ${info.OwnedByCaller}`);
    ok(
      info.AbandonedState === false,
      `expected FALSE, got ${info.AbandonedState}`,
    );

    nt.NtClose(mutant[0]);
    await k32.joinThreads();
  } finally {
    k32.close();
  }
});

wineTest("ntdll:sync", "test_semaphore", (backend) => {
  using k32 = Kernel32.open(backend);
  const nt = k32.ntdll;
  const semaphore = new Uint32Array(1);
  const prev = new Uint32Array(1);
  const len = new Uint32Array(1);
  let info = new SEMAPHORE_BASIC_INFORMATION();
  let status: number;
  const query = (h = semaphore[0], l = SEMAPHORE_BASIC_INFORMATION.size) => {
    info = new SEMAPHORE_BASIC_INFORMATION();
    return nt.NtQuerySemaphore(h, SemaphoreBasicInformation, info, l, null);
  };

  const attr = InitializeObjectAttributes("\\BaseNamedObjects\\test_semaphore");

  status = nt.NtCreateSemaphore(semaphore, GENERIC_ALL, attr, 2, 1);
  ok(
    status === STATUS_INVALID_PARAMETER,
    `Failed to create Semaphore(${hex(status)})`,
  );
  status = nt.NtCreateSemaphore(semaphore, GENERIC_ALL, attr, 1, 2);
  ok(status === STATUS_SUCCESS, `Failed to create Semaphore(${hex(status)})`);

  /* bogus */
  status = query(semaphore[0], 0);
  ok(
    status === STATUS_INFO_LENGTH_MISMATCH,
    `Failed to NtQuerySemaphore, expected STATUS_INFO_LENGTH_MISMATCH, got ${
      hex(status)
    }`,
  );
  status = nt.NtQuerySemaphore(
    semaphore[0],
    0x42,
    info,
    SEMAPHORE_BASIC_INFORMATION.size,
    null,
  );
  ok(
    status === STATUS_INVALID_INFO_CLASS,
    `Failed to NtQuerySemaphore, expected STATUS_INVALID_INFO_CLASS, got ${
      hex(status)
    }`,
  );
  status = query(0xdeadbeef);
  ok(
    status === STATUS_INVALID_HANDLE,
    `Failed to NtQuerySemaphore, expected STATUS_INVALID_HANDLE, got ${
      hex(status)
    }`,
  );

  len[0] = -1;
  info = new SEMAPHORE_BASIC_INFORMATION();
  status = nt.NtQuerySemaphore(
    semaphore[0],
    SemaphoreBasicInformation,
    info,
    SEMAPHORE_BASIC_INFORMATION.size,
    len,
  );
  ok(status === STATUS_SUCCESS, `NtQuerySemaphore failed ${hex(status)}`);
  ok(info.CurrentCount === 1, `expected 1, got ${info.CurrentCount}`);
  ok(info.MaximumCount === 2, `expected 2, got ${info.MaximumCount}`);
  ok(len[0] === SEMAPHORE_BASIC_INFORMATION.size, `got ${len[0]}`);

  const ret = k32.WaitForSingleObject(semaphore[0], 1000);
  ok(ret === WAIT_OBJECT_0, `WaitForSingleObject failed ${hex(ret)}`);

  status = query();
  ok(status === STATUS_SUCCESS, `NtQuerySemaphore failed ${hex(status)}`);
  ok(info.CurrentCount === 0, `expected 0, got ${info.CurrentCount}`);
  ok(info.MaximumCount === 2, `expected 2, got ${info.MaximumCount}`);

  prev[0] = 0xdeadbeef;
  status = nt.NtReleaseSemaphore(semaphore[0], 3, prev);
  ok(
    status === STATUS_SEMAPHORE_LIMIT_EXCEEDED,
    `NtReleaseSemaphore failed ${hex(status)}`,
  );
  ok(
    prev[0] === 0xdeadbeef,
    `NtReleaseSemaphore failed, expected 0xdeadbeef, got ${prev[0]}`,
  );

  prev[0] = 0xdeadbeef;
  status = nt.NtReleaseSemaphore(semaphore[0], 1, prev);
  ok(status === STATUS_SUCCESS, `NtReleaseSemaphore failed ${hex(status)}`);
  ok(prev[0] === 0, `NtReleaseSemaphore failed, expected 0, got ${prev[0]}`);

  prev[0] = 0xdeadbeef;
  status = nt.NtReleaseSemaphore(semaphore[0], 1, prev);
  ok(status === STATUS_SUCCESS, `NtReleaseSemaphore failed ${hex(status)}`);
  ok(prev[0] === 1, `NtReleaseSemaphore failed, expected 1, got ${prev[0]}`);

  prev[0] = 0xdeadbeef;
  status = nt.NtReleaseSemaphore(semaphore[0], 1, prev);
  ok(
    status === STATUS_SEMAPHORE_LIMIT_EXCEEDED,
    `NtReleaseSemaphore failed ${hex(status)}`,
  );
  ok(
    prev[0] === 0xdeadbeef,
    `NtReleaseSemaphore failed, expected 0xdeadbeef, got ${prev[0]}`,
  );

  status = query();
  ok(status === STATUS_SUCCESS, `NtQuerySemaphore failed ${hex(status)}`);
  ok(info.CurrentCount === 2, `expected 2, got ${info.CurrentCount}`);
  ok(info.MaximumCount === 2, `expected 2, got ${info.MaximumCount}`);

  nt.NtClose(semaphore[0]);
});

wineTest("ntdll:sync", "test_delayexecution", (backend) => {
  using k32 = Kernel32.open(backend);
  const tests: [boolean, bigint, boolean, string][] = [
    [false, 0n, false, "non-alertable yield"],
    [false, -10000n, false, "non-alertable sleep"],
    [true, 0n, false, "alertable yield"],
    [true, -10000n, false, "alertable sleep"],
    [true, 0n, true, "alertable yield with APC"],
    [true, -10000n, true, "alertable sleep with APC"],
  ];
  const threads = new URL("./_ntdll_threads.ts", import.meta.url).href;
  for (const [alertable, timeout, queue_apc, desc] of tests) {
    apc.count = 0;
    if (queue_apc) {
      k32.QueueUserAPC(threads, "apc_proc", k32.GetCurrentThread(), null);
    }

    /* test NtDelayExecution */
    k32.SetLastError(0xdeadbeef);
    const status = k32.ntdll.NtDelayExecution(alertable, timeout);
    ok(
      k32.GetLastError() === 0xdeadbeef,
      `${desc}: got error ${k32.GetLastError()}.`,
    );

    if (alertable && queue_apc) {
      ok(status === STATUS_USER_APC, `${desc}: got status ${hex(status)}.`);
      ok(apc.count, `${desc}: got 0.`);
    } else {
      ok(
        status === STATUS_SUCCESS ||
          (!timeout && status === STATUS_NO_YIELD_PERFORMED),
        `${desc}: got status ${hex(status)}.`,
      );
    }

    if (queue_apc) k32.SleepEx(0, true); /* don't leave leftover APCs */

    /* test SleepEx */
    apc.count = 0;
    if (queue_apc) {
      k32.QueueUserAPC(threads, "apc_proc", k32.GetCurrentThread(), null);
    }

    k32.SetLastError(0xdeadbeef);
    const ret = k32.SleepEx(timeout ? Number(-timeout / 10000n) : 0, alertable);
    ok(
      k32.GetLastError() === 0xdeadbeef,
      `${desc}: got error ${k32.GetLastError()}.`,
    );

    if (alertable && queue_apc) {
      ok(ret === WAIT_IO_COMPLETION, `${desc}: got ${ret}.`);
      ok(apc.count, `${desc}: got 0.`);
    } else {
      ok(!ret, `${desc}: got ${ret}.`);
    }

    if (queue_apc) k32.SleepEx(0, true);

    /* test Sleep (non-alertable only) */
    if (!alertable) {
      k32.SetLastError(0xdeadbeef);
      k32.Sleep(timeout ? Number(-timeout / 10000n) : 0);
      ok(
        k32.GetLastError() === 0xdeadbeef,
        `${desc}: got error ${k32.GetLastError()}.`,
      );
    }
  }
});
