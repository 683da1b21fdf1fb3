// Answers 501 until the sevenshifts-webhook handler lands.
import { errorResponse } from "../_shared/http.ts";

Deno.serve(() =>
  errorResponse(501, "not_implemented", "sevenshifts-webhook is not implemented yet.")
);
