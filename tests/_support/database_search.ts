/**
 * Where a piece of text is stored: every table of every schema, each row as text and each
 * `bytea` column decoded (pg_net's request bodies are bytea: as text they print as hex, and
 * a search of the row's text alone would never find what they carry).
 *
 * @module
 */
import type postgres from "postgres";

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `schema.table holds <needle…>` for every table (outside the system catalogs and
 * `exceptTables`) with a row holding one of `needles`. Run it as the superuser (adminDb) so
 * no table is left out for want of a privilege.
 */
export async function tablesHolding(
  sql: postgres.Sql,
  needles: readonly string[],
  exceptTables: readonly string[] = [],
): Promise<string[]> {
  const tables = await sql<{ name: string; schema: string; table: string; bytea: string[] }[]>`
    select format('%I.%I', n.nspname, c.relname) as name, n.nspname as schema,
      c.relname as table,
      array(select a.attname::text from pg_catalog.pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
          and a.atttypid = 'bytea'::regtype order by a.attnum) as bytea
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'm')
      and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
    order by 1`;
  const found: string[] = [];
  for (const t of tables) {
    if (exceptTables.includes(`${t.schema}.${t.table}`)) continue;
    const where = [
      "strpos(t::text, $1) > 0",
      ...t.bytea.map((c) => `strpos(encode(t.${ident(c)}, 'escape'), $1) > 0`),
    ].join(" or ");
    for (const needle of needles) {
      const [{ n }] = await sql.unsafe(
        `select count(*)::int as n from ${ident(t.schema)}.${ident(t.table)} t where ${where}`,
        [needle],
      );
      if (n > 0) found.push(`${t.name} holds ${needle.slice(0, 12)}…`);
    }
  }
  return found;
}
