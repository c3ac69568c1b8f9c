/**
 * The extra conformance checks defined in ./surface.ts (`request_codes_enotty`, `wrong_type_einval`, `efault_points`, `no_write_on_error`),
 * each run as one Deno test per backend. The same file runs unchanged on the
 * native backend in the real-kernel VM.
 *
 * @module
 */

import { testOnEveryBackend } from "../../tests/_backends.ts";
import {
  efaultPoints,
  noWriteOnError,
  requestCodesEnotty,
  wrongTypeEinval,
} from "./surface.ts";

testOnEveryBackend(requestCodesEnotty);
testOnEveryBackend(wrongTypeEinval);
testOnEveryBackend(efaultPoints);
testOnEveryBackend(noWriteOnError);
