/**
 * Which grant GUID keys a 7shifts delivery's HMAC: that of the company it names, when a vendor
 * connection serves that company (`pipeline.sevenshifts_webhook_grant`, read from Vault through
 * the database), else `SEVENSHIFTS_GRANT_GUID`, the single-tenant default. One URL serves any
 * number of companies, and a company with a connection is verified with its own grant and no
 * other.
 *
 * Grants are cached per company for {@link GRANT_TTL_MS} (a rotation takes effect within a
 * minute, without a redeploy), and re-read at once when a signature does not match the cached
 * grant (a rotation is then seen on its first delivery), at most once per
 * {@link GRANT_RECHECK_MS} per company, so forged deliveries cannot turn into a query each.
 *
 * @module
 */

import { withDeadline } from "../_shared/ingest.ts";

/** How long a company's grant is used before it is read again. */
export const GRANT_TTL_MS = 60_000;
/** The least time between two re-reads of one company's grant after a mismatch. */
export const GRANT_RECHECK_MS = 10_000;
/** Companies remembered at most (the oldest entry is forgotten first). */
export const GRANT_CACHE_SIZE = 10_000;

/** Reads one company's grant (null: no connection serves it). */
export type GrantLookup = (companyId: number) => Promise<string | null>;

/**
 * `lookup` bounded like the ingest call (`deadlineMs`, default INGEST_DEADLINE_MS): a
 * database that does not answer in time is unavailable (the delivery gets a 503 and 7shifts
 * retries) rather than holding the answer past the vendor's patience.
 */
export function boundedLookup(lookup: GrantLookup, deadlineMs?: number): GrantLookup {
  return (companyId) => withDeadline(lookup(companyId), deadlineMs);
}

/** The grant a delivery is verified with, and where it came from. */
export interface Grant {
  grant: string;
  /** True when a connection of this company gave it (the body must then be that company's). */
  fromConnection: boolean;
}

interface Entry {
  grant: string | null;
  readAt: number;
}

/** Per-company grants with a default, cached (see the module doc). */
export class GrantCache {
  #entries = new Map<number, Entry>();

  constructor(
    readonly lookup: GrantLookup,
    readonly defaultGrant: string,
    readonly now: () => number = Date.now,
  ) {}

  #answer(entry: Entry): Grant {
    return entry.grant === null
      ? { grant: this.defaultGrant, fromConnection: false }
      : { grant: entry.grant, fromConnection: true };
  }

  async #read(companyId: number): Promise<Entry> {
    const entry = { grant: await this.lookup(companyId), readAt: this.now() };
    this.#entries.delete(companyId);
    this.#entries.set(companyId, entry);
    if (this.#entries.size > GRANT_CACHE_SIZE) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return entry;
  }

  /** The grant for `companyId` (the default when none is named or none is on file). */
  async grantFor(companyId: number | null): Promise<Grant> {
    if (companyId === null) return { grant: this.defaultGrant, fromConnection: false };
    const cached = this.#entries.get(companyId);
    if (cached && this.now() - cached.readAt < GRANT_TTL_MS) return this.#answer(cached);
    return this.#answer(await this.#read(companyId));
  }

  /**
   * After a mismatch: the company's grant read again, when it was read long enough ago and it
   * changed; null when there is nothing new to try.
   */
  async changedGrantFor(companyId: number | null): Promise<Grant | null> {
    if (companyId === null) return null;
    const cached = this.#entries.get(companyId);
    if (cached && this.now() - cached.readAt < GRANT_RECHECK_MS) return null;
    const fresh = await this.#read(companyId);
    return fresh.grant === (cached?.grant ?? null) ? null : this.#answer(fresh);
  }
}
