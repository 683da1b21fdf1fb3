/**
 * Counting what the database does, from Postgres's own counters: a transaction as the
 * superuser (only a superuser may set `track_functions`) with every function call counted,
 * rolled back at the end so the test leaves nothing behind.
 *
 * @module
 */
import type postgres from "postgres";
import { adminDb } from "./env.ts";

/**
 * Runs `fn` in a transaction with `track_functions = all` on a superuser's connection (or on
 * `sql`, which must be one), then rolls it back.
 */
export async function inCountedRollback(
  fn: (tx: postgres.TransactionSql) => Promise<void>,
  sql: postgres.Sql = adminDb(),
): Promise<void> {
  const rollback = new Error("rollback");
  try {
    await sql.begin(async (tx) => {
      await tx`set local track_functions = 'all'`;
      await fn(tx);
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  } finally {
    await sql.end();
  }
}

/** Calls of `fn` (a regprocedure, e.g. `pipeline.f(bigint)`) so far in this transaction. */
export async function functionCalls(tx: postgres.TransactionSql, fn: string): Promise<number> {
  const [row] = await tx`
    select coalesce(pg_catalog.pg_stat_get_xact_function_calls(${fn}::regprocedure), 0) as n`;
  return Number(row.n);
}
