/**
 * Table fingerprints: proof that a refused request changed nothing in the database. Used by
 * the ingest, fault and security suites.
 *
 * @module
 */
import type postgres from "postgres";

/** Schemas whose every table and sequence is fingerprinted. */
export const FINGERPRINT_SCHEMAS = ["public", "pipeline", "net", "cron"];

/** Row count and content hash per table, last value per sequence. */
export type Fingerprint = Map<string, string>;

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Rows a test is allowed to add: left out of the fingerprint so that everything ELSE in the
 * database can be required unchanged.
 */
export interface OwnRows {
  /** The test's own location: its row, and every row of any table with this `location_id`. */
  locationId?: number;
  /**
   * Column values that mark the test's own rows in any table having that column (e.g. its
   * `toast_restaurant_guid` in tables keyed by the vendor's ids rather than the location).
   */
  columns?: Record<string, string | number>;
  /** Per table (`schema.table`), rows with an `id` above this are the test's own. */
  idsAbove?: Record<string, number>;
}

/**
 * Fingerprints every table (row count and an order-independent hash of every row's text)
 * and every sequence (last value: even a rolled-back insert moves it) in
 * {@link FINGERPRINT_SCHEMAS}. With `own`, the test's own rows are left out, and so are the
 * sequences of the tables it adds rows to.
 */
export async function fingerprint(sql: postgres.Sql, own: OwnRows = {}): Promise<Fingerprint> {
  const rels = await sql<
    { schema: string; name: string; kind: string; columns: string[]; owner: string | null }[]
  >`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind,
      array(select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = c.oid
        and a.attnum > 0 and not a.attisdropped) as columns,
      (select t.relnamespace::regnamespace::text || '.' || t.relname
        from pg_catalog.pg_depend d join pg_catalog.pg_class t on t.oid = d.refobjid
        where d.objid = c.oid and d.deptype in ('a', 'i') and d.classid = 'pg_class'::regclass
          and d.refclassid = 'pg_class'::regclass limit 1) as owner
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${FINGERPRINT_SCHEMAS}) and c.relkind in ('r', 'p', 'S')
    order by 1, 2`;
  const ownTables = new Set(Object.keys(own.idsAbove ?? {}));
  if (own.locationId !== undefined) ownTables.add("public.locations");
  const out: Fingerprint = new Map();
  for (const r of rels) {
    const key = `${r.schema}.${r.name}`;
    const name = `${ident(r.schema)}.${ident(r.name)}`;
    if (r.kind === "S") {
      if (r.owner !== null && ownTables.has(r.owner)) continue;
      const [s] = await sql.unsafe(`select last_value::text || '/' || is_called as v from ${name}`);
      out.set(key, String(s.v));
      continue;
    }
    const skip: string[] = [];
    if (own.locationId !== undefined) {
      if (key === "public.locations") skip.push(`t.id = ${Number(own.locationId)}`);
      if (r.columns.includes("location_id")) {
        skip.push(`t.location_id = ${Number(own.locationId)}`);
      }
    }
    for (const [column, value] of Object.entries(own.columns ?? {})) {
      if (!r.columns.includes(column)) continue;
      const literal = `'${String(value).replaceAll("'", "''")}'`;
      skip.push(`t.${ident(column)}::text = ${literal}`);
    }
    const above = own.idsAbove?.[key];
    if (above !== undefined) skip.push(`t.id > ${Number(above)}`);
    const where = skip.length > 0 ? `where not coalesce(${skip.join(" or ")}, false)` : "";
    const [t] = await sql.unsafe(
      `select count(*)::text || '/' || md5(coalesce(string_agg(md5(t::text), '' order by
        md5(t::text)), '')) as v from ${name} t ${where}`,
    );
    out.set(key, String(t.v));
  }
  return out;
}

/** The relations whose fingerprint differs (added, removed or changed). */
export function fingerprintDiff(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).map((n) =>
    `${n}: ${before.get(n) ?? "(absent)"} -> ${after.get(n) ?? "(absent)"}`
  );
}
