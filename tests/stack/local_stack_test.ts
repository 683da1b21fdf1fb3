import assert from "node:assert/strict";
import { startFunctionServer } from "../../local/functions.ts";
import { assertPortFree, freePort, startPostgres } from "../../local/postgres.ts";
import { repoPath } from "../../local/paths.ts";
import { cronMatches, intervalSeconds, startScheduler } from "../../local/scheduler.ts";
import {
  adminUrl,
  eventually,
  needsOwnDatabase,
  scratchDatabase,
  testDb,
  testEnv,
} from "../_support/env.ts";
import { applyBootstrap } from "../../local/bootstrap.ts";

Deno.test("functions: each function answers at /functions/v1/<name> with the injected env", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fns-" });
  await Deno.mkdir(`${dir}/echo-env`);
  await Deno.writeTextFile(
    `${dir}/echo-env/index.ts`,
    `Deno.serve((req) => Response.json({
      path: new URL(req.url).pathname,
      url: Deno.env.get("SUPABASE_URL"),
      db: Deno.env.get("SUPABASE_DB_URL"),
      anon: Deno.env.get("SUPABASE_ANON_KEY"),
      service: Deno.env.get("SUPABASE_SERVICE_ROLE_KEY"),
      fromFile: Deno.env.get("FROM_DOTENV"),
    }));`,
  );
  await Deno.mkdir(`${dir}/_private`);
  await Deno.writeTextFile(
    `${dir}/_private/index.ts`,
    `Deno.serve(() => new Response("no"));`,
  );
  await Deno.writeTextFile(
    `${dir}/.env`,
    "# read like supabase functions serve\nFROM_DOTENV='yes'\n",
  );
  const port = freePort();
  const server = await startFunctionServer({
    port,
    functionsDir: dir,
    env: {
      SUPABASE_DB_URL: "postgresql://db",
      SUPABASE_ANON_KEY: "a",
      SUPABASE_SERVICE_ROLE_KEY: "s",
    },
    log: () => {},
  });
  try {
    assert.deepEqual(server.names, ["echo-env"]);
    const res = await fetch(`${server.url}/functions/v1/echo-env/sub?x=1`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      path: "/functions/v1/echo-env/sub",
      url: `http://127.0.0.1:${port}`,
      db: "postgresql://db",
      anon: "a",
      service: "s",
      fromFile: "yes",
    });
    for (const name of ["_private", "nope"]) {
      const miss = await fetch(`${server.url}/functions/v1/${name}`, {
        method: "POST",
      });
      assert.equal(miss.status, 404);
      assert.equal((await miss.json()).error.code, "not_found");
    }
    // A crashed function is replaced, as the edge runtime starts a new worker.
    await server.restart("echo-env");
    const again = await fetch(`${server.url}/functions/v1/echo-env`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("functions: the test stack serves the project's functions", async () => {
  const env = testEnv();
  for (
    const name of ["toast-webhook", "sevenshifts-webhook", "alert-notifier"]
  ) {
    const res = await fetch(`${env.functionsUrl}/${name}`, { method: "GET" });
    // Whatever the function says to a bare GET, it is the function answering, in JSON.
    assert.notEqual(res.status, 404, name);
    assert.match(res.headers.get("content-type") ?? "", /json/, name);
    await res.body?.cancel();
  }
  const miss = await fetch(`${env.functionsUrl}/nope`, { method: "POST" });
  assert.equal(miss.status, 404);
  await miss.body?.cancel();
});

Deno.test("postgres: a taken port is a clear error, not a hang", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.throws(
      () => assertPortFree(listener.addr.port, "Postgres"),
      /already in use/,
    );
    await assert.rejects(
      startPostgres({
        port: listener.addr.port,
        dataDir: repoPath(".local/never"),
      }),
      /already in use/,
    );
  } finally {
    listener.close();
  }
});

Deno.test("postgres: a cluster that logs a lot keeps working, its log kept in the file", async () => {
  // The server writes its log to a pipe: unread, the pipe fills (64 KiB) and the server blocks
  // on its next log line — a checkpoint, a warning — with the query never answered.
  const dataDir = repoPath(`.local/test-log-pipe-${Date.now()}`);
  const pg = await startPostgres({
    port: freePort(),
    dataDir,
    reset: true,
    fast: true,
  });
  const sql = testDb(pg.adminUrl);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // About 400 KB of warnings, each also written to the server's log.
    const work = sql`do $$ begin for i in 1..3000 loop
        raise warning 'log-pipe-probe %', repeat('x', 120); end loop; end $$`
      .then(() => sql`checkpoint`)
      .then(() => "done");
    const stuck = new Promise<string>((
      r,
    ) => (timer = setTimeout(() => r("stuck"), 30_000)));
    assert.equal(await Promise.race([work, stuck]), "done");
    // The log is copied to the file as it comes: every warning gets there.
    await eventually(
      async () => {
        const log = await Deno.readTextFile(`${pg.dataDir}.log`);
        return log.match(/WARNING: {2}log-pipe-probe/g)?.length === 3000 ? true : undefined;
      },
      10_000,
      "every warning in the log file",
    );
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 1 }).catch(() => {});
    await pg.stop();
    await Deno.remove(pg.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(`${pg.dataDir}.log`).catch(() => {});
  }
});

Deno.test("postgres: a cluster whose superuser is not our supabase_admin is refused at once, with what to do", async () => {
  // As a cluster made before the stack had Supabase's role model (superuser postgres): the
  // admin login fails. Here its password is changed so the login fails the same way.
  const dataDir = repoPath(`.local/test-old-cluster-${Date.now()}`);
  const port = freePort();
  const pg = await startPostgres({ port, dataDir, reset: true, fast: true });
  try {
    const sql = testDb(pg.adminUrl);
    await sql`alter role supabase_admin password 'not-the-local-one'`;
    await sql.end();
    await pg.stop();
    const started = Date.now();
    await assert.rejects(
      startPostgres({ port, dataDir: pg.dataDir, fast: true }),
      /superuser was 'postgres'.*--reset/s,
    );
    assert.ok(Date.now() - started < 15_000, "refused without waiting out the start-up timeout");
  } finally {
    await pg.stop();
    await Deno.remove(pg.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(`${pg.dataDir}.log`).catch(() => {});
  }
});

Deno.test("ports: freePort picks free ports outside the kernel's ephemeral range", () => {
  // An ephemeral port can be taken by any outgoing connection before the stack listens on it.
  const [low, high] = Deno.readTextFileSync(
    "/proc/sys/net/ipv4/ip_local_port_range",
  ).trim()
    .split(/\s+/).map(Number);
  for (let i = 0; i < 50; i++) {
    const port = freePort();
    assert.ok(
      port < low || port > high,
      `${port} is in the ephemeral range ${low}-${high}`,
    );
    assertPortFree(port, "test");
  }
});

Deno.test("ports: freePort never hands out the same port twice, though no one listens on it yet", () => {
  // A stack's API and database ports are drawn one after the other before either is listened
  // on; drawn at random from ~26,000 ports, 2,000 draws repeat one almost surely (p > 0.999)
  // unless the process remembers what it handed out.
  const ports = Array.from({ length: 2_000 }, () => freePort());
  assert.equal(new Set(ports).size, ports.length);
});

Deno.test("npm start: one port given for both the functions and Postgres is refused before anything starts", async () => {
  const port = freePort();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "local/stack.ts", "--api-port", String(port), "--db-port", String(port)],
    cwd: repoPath(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 2, said);
  assert.match(said, new RegExp(`--api-port and --db-port are both ${port}`));
  assert.doesNotMatch(said, /Starting Postgres/);
});

Deno.test("scheduler: pg_cron schedules are parsed as pg_cron does", () => {
  const at = (iso: string) => new Date(iso);
  assert.equal(cronMatches("*/5 * * * *", at("2026-03-08T10:15:00Z")), true);
  assert.equal(cronMatches("*/5 * * * *", at("2026-03-08T10:16:00Z")), false);
  assert.equal(cronMatches("0 4 * * *", at("2026-03-08T04:00:00Z")), true);
  assert.equal(cronMatches("0 4 * * 1-5", at("2026-03-08T04:00:00Z")), false); // a Sunday
  assert.equal(cronMatches("0 4 * * 0", at("2026-03-08T04:00:00Z")), true);
  assert.equal(cronMatches("0 4 * * 7", at("2026-03-08T04:00:00Z")), true);
  assert.equal(cronMatches("30 1,13 1 * *", at("2026-03-01T13:30:00Z")), true);
  assert.throws(() => cronMatches("61 * * * *", at("2026-03-01T00:00:00Z")));
  assert.equal(intervalSeconds("30 seconds"), 30);
  assert.equal(intervalSeconds("* * * * *"), null);
});

Deno.test({
  name:
    "scheduler: runs a job registered with cron.schedule, as the user who scheduled it, and records the run",
  ...needsOwnDatabase(),
}, async () => {
  const db = await scratchDatabase("cron_run");
  try {
    await applyBootstrap(adminUrl(db.name));
    const sql = testDb(db.url);
    await sql`create table ticks (at timestamptz default now(), by text default current_user)`;
    await sql`select cron.schedule('tick', '1 seconds', 'insert into ticks default values')`;
    // The scheduler connects as the superuser, like pg_cron's worker; jobs run as their user.
    const scheduler = await startScheduler(adminUrl(db.name));
    try {
      await scheduler.runNow("tick");
      const deadline = Date.now() + 5000;
      let n = 0;
      while (Date.now() < deadline && n < 2) {
        [{ n }] = await sql`select count(*)::int as n from ticks`;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(
        n >= 2,
        `expected the job to run on schedule too, ran ${n} times`,
      );
      const by = await sql`select distinct by from ticks`;
      assert.deepEqual(
        by.map((r) => r.by),
        ["postgres"],
        "pg_cron runs a job as its user",
      );
      // postgres sees its own runs (pg_cron's row security).
      const [run] = await sql`select status from cron.job_run_details order by runid limit 1`;
      assert.equal(run.status, "succeeded");
      await sql`select cron.unschedule('tick')`;
    } finally {
      await scheduler.stop();
      await sql.end();
    }
  } finally {
    await db.drop();
  }
});

Deno.test("functions: the gateway cuts off a chunked upload past its limit with 413", async () => {
  const env = testEnv();
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let sent = 0;
  // No Content-Length: 64 MiB streamed in 1 MiB chunks; the gateway must stop reading.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 64 * 1024 * 1024) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const res = await fetch(`${env.functionsUrl}/toast-webhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, "payload_too_large");
  assert.ok(
    sent < 64 * 1024 * 1024,
    `the whole upload was read (${sent} bytes)`,
  );
});
