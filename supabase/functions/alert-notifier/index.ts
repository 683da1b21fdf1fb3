// Answers 501 until the alert-notifier handler lands.
import { errorResponse } from "../_shared/http.ts";

Deno.serve(() => errorResponse(501, "not_implemented", "alert-notifier is not implemented yet."));
