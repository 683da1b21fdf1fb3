/**
 * A schedule world for the shift tests: a fresh location (America/New_York, cut-off 04:00)
 * mapped to random 7shifts ids, its company's connection (access token, grant GUID) pointing
 * at the fake 7shifts API, the fixtures of tests/fixtures/7shifts/ rewritten to those ids
 * (shift ids offset so that no two tests share one), and ways to publish (the signed
 * `schedule.published` webhook through the real function) and read what is stored.
 *
 * @module
 */
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { startVendorFakes, type VendorFakes } from "../../local/vendor_fakes.ts";
import { deliverPunch, vendorIds } from "../fault/vendors.ts";
import { type RunRow, waitForRuns } from "./support.ts";
import { SCHEDULE_PUBLISHED_TOPIC as SCHEDULE_TOPIC } from "../../shared/sevenshifts_shifts.ts";

const fixture = (name: string) =>
  JSON.parse(Deno.readTextFileSync(new URL(`../fixtures/7shifts/${name}`, import.meta.url)));

/** A raw List Shifts object. */
export type RawShift = Record<string, unknown>;

/** One stored shift, as the tests compare it. */
export interface StoredShift {
  /** The fixture's shift number (id less the world's offset). */
  n: number;
  businessDate: string;
  userId: number | null;
  startsAt: string;
  endsAt: string;
  wageCents: number;
  modifiedAt: string;
}

/** See the module doc. */
export interface ShiftWorld {
  sql: postgres.Sql;
  fakes: VendorFakes;
  ids: ReturnType<typeof vendorIds>;
  locationId: number;
  /** Added to every fixture shift id. */
  idBase: number;
  /** The week fixture (shifts.published_week.json) for this world's ids. */
  week(): RawShift[];
  /** A shift for this world: fixture shift `n` with `changes`. */
  shift(n: number, changes?: RawShift): RawShift;
  /** The `schedule.published` body for this world (the fixture, with `changes`). */
  publishedBody(changes?: RawShift): string;
  /** Delivers a signed `schedule.published`; the answer. */
  publish(body?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Waits for every schedule run of the location queued so far; their rows. */
  settle(): Promise<RunRow[]>;
  /** The location's stored shifts, by fixture number. */
  stored(): Promise<StoredShift[]>;
  /** Maps the 7shifts location (a world made with `mapped: false`). */
  map(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a {@link ShiftWorld}; `mapped: false` leaves the 7shifts location unmapped. */
export async function shiftWorld(opts: { mapped?: boolean } = {}): Promise<ShiftWorld> {
  const env = testEnv();
  const sql = testDb();
  const fakes = startVendorFakes();
  const ids = vendorIds();
  const idBase = 2_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
  const grantGuid = crypto.randomUUID();
  const accessToken = `token-${crypto.randomUUID()}`;
  fakes.addSevenShiftsCompany({ companyId: ids.companyId, accessToken });
  const [{ id: connectionId }] = await sql`select pipeline.add_sevenshifts_connection(
    'shifts test', ${ids.companyId}, ${grantGuid}, ${accessToken},
    api_base_url => ${fakes.sevenShiftsBaseUrl}) as id`;
  let locationId = 0;
  const mapLocation = async () => {
    const [row] = await sql`insert into public.locations (name, time_zone,
        sevenshifts_company_id, sevenshifts_location_id, alerts_enabled)
      values (${`Shifts test ${ids.toastGuid.slice(0, 8)}`}, 'America/New_York', ${ids.companyId},
        ${ids.sevenShiftsLocationId}, false)
      returning id`;
    locationId = Number(row.id);
  };
  if (opts.mapped !== false) await mapLocation();
  const forWorld = (s: RawShift): RawShift => ({
    ...s,
    id: idBase + Number(s.id),
    company_id: ids.companyId,
    location_id: ids.sevenShiftsLocationId,
  });
  const publishedBody = (changes: RawShift = {}) =>
    JSON.stringify({
      ...fixture("schedule.published.json"),
      company_id: ids.companyId,
      location_id: ids.sevenShiftsLocationId,
      ...changes,
    });
  const week = (): RawShift[] =>
    (fixture("shifts.published_week.json") as RawShift[]).map(forWorld);
  return {
    sql,
    fakes,
    ids,
    get locationId() {
      return locationId;
    },
    idBase,
    week,
    shift(n, changes = {}) {
      const base = week().find((s) => s.id === idBase + n) ?? forWorld({ ...week()[0], id: n });
      return { ...base, ...changes };
    },
    publishedBody,
    publish(body) {
      return deliverPunch(env.functionsUrl, grantGuid, body ?? publishedBody(), SCHEDULE_TOPIC);
    },
    async settle() {
      const runs = await sql`select id from public.sync_runs
        where location_id = ${locationId} and kind = 'schedule' order by id`;
      return waitForRuns(sql, runs.map((r) => Number(r.id)));
    },
    async stored() {
      const rows = await sql`select sevenshifts_shift_id - ${idBase} as n,
          to_char(business_date, 'YYYY-MM-DD') as business_date, user_id, starts_at, ends_at,
          hourly_wage_cents, vendor_modified_at
        from public.scheduled_shifts where location_id = ${locationId}
        order by sevenshifts_shift_id`;
      return rows.map((r) => ({
        n: Number(r.n),
        businessDate: r.business_date,
        userId: r.user_id === null ? null : Number(r.user_id),
        startsAt: r.starts_at.toISOString(),
        endsAt: r.ends_at.toISOString(),
        wageCents: Number(r.hourly_wage_cents),
        modifiedAt: r.vendor_modified_at.toISOString(),
      }));
    },
    map: mapLocation,
    async close() {
      await sql`update public.sync_runs set state = 'cancelled', lease_token = null,
        lease_expires_at = null where location_id = ${locationId}
          and state in ('pending', 'running')`;
      await sql`select pipeline.remove_connection(${connectionId})`;
      await fakes.stop();
      await sql.end();
    },
  };
}
