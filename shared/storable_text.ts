/**
 * Text Postgres can store. JSON may carry a NUL character (`\u0000`) or an unpaired UTF-16
 * surrogate (`\ud83d`) as an escape, but Postgres's `text` and `jsonb` cannot hold either
 * (22P05 / 22P02). A vendor field that is stored is therefore checked at the edge, so such a
 * body is a 400 naming the field rather than a 500 the vendor retries forever. The one rule for
 * every vendor schema (shared/toast.ts, shared/sevenshifts_users.ts, shared/sevenshifts_api.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStorableText } from "./storable_text.ts";
 *
 * assert.equal(isStorableText("Zoë 🍕"), true);
 * assert.equal(isStorableText("Ann\u0000"), false);
 * assert.equal(isStorableText("Ann\ud83d"), false);
 * ```
 *
 * @module
 */

/** True when Postgres can store `text`: no NUL character, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

/** The zod refinement options of {@link isStorableText}: the message a refused field gets. */
export const NOT_STORABLE = { message: "contains a NUL character or an unpaired surrogate" };
