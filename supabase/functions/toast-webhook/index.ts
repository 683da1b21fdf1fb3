// Answers 501 until the toast-webhook handler lands.
import { errorResponse } from "../_shared/http.ts";

Deno.serve(() => errorResponse(501, "not_implemented", "toast-webhook is not implemented yet."));
