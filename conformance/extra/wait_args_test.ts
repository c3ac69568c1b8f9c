/**
 * The extra conformance checks defined in ./wait_args.ts (`wait_count_zero`, `alert_in_objs`, `alert_any_type`, `count_limit_before_objs`, `pad_and_flags`, `owner_zero`, `bad_fds_in_waits`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import {
  alertAnyType,
  alertInObjs,
  badFdsInWaits,
  countLimitBeforeObjs,
  ownerZero,
  padAndFlags,
  waitCountZero,
} from "./wait_args.ts";

testOnEveryBackend(waitCountZero);
testOnEveryBackend(alertInObjs);
testOnEveryBackend(alertAnyType);
testOnEveryBackend(countLimitBeforeObjs);
testOnEveryBackend(padAndFlags);
testOnEveryBackend(ownerZero);
testOnEveryBackend(badFdsInWaits);
