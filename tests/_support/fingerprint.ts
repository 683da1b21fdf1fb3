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
 * Fingerprints every table (row count and an order-independent hash of every row's text)
 * and every sequence (last value: even a rolled-back insert moves it) in
 * {@link FINGERPRINT_SCHEMAS}.
 */
export async function fingerprint(sql: postgres.Sql): Promise<Fingerprint> {
  const rels = await sql<{ schema: string; name: string; kind: string }[]>`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${FINGERPRINT_SCHEMAS}) and c.relkind in ('r', 'p', 'S')
    order by 1, 2`;
  const out: Fingerprint = new Map();
  for (const r of rels) {
    const name = `${ident(r.schema)}.${ident(r.name)}`;
    if (r.kind === "S") {
      const [s] = await sql.unsafe(`select last_value::text || '/' || is_called as v from ${name}`);
      out.set(`${r.schema}.${r.name}`, String(s.v));
    } else {
      const [t] = await sql.unsafe(
        `select count(*)::text || '/' || md5(coalesce(string_agg(md5(t::text), '' order by
          md5(t::text)), '')) as v from ${name} t`,
      );
      out.set(`${r.schema}.${r.name}`, String(t.v));
    }
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
