/**
 * Nothing is left running or lying around, with real processes: `npm start` in a session of
 * its own (as in a terminal) on free ports and its own data folder, stopped the ways users
 * stop it — `kill <npm pid>`, the terminal closing (SIGHUP to the whole process group, with
 * nobody reading its output any more) — and killed outright (SIGKILL), after which the next
 * `npm start` stops the Postgres and the function processes left behind. And `npm test`
 * interrupted with Ctrl-C removes its cluster's data folder, while its next run removes the
 * folders of runs whose process is gone. Every wait is bounded.
 */
import assert from "node:assert/strict";
import { freePort, isPortFree } from "../../local/postgres.ts";
import { repoPath } from "../../local/paths.ts";
import { listProcesses, processInfo, waitForExit } from "../../local/processes.ts";
import { removeDataDir, throwawayDataDir } from "../../local/throwaway.ts";
import { functionProcesses } from "../fault/support.ts";
import { listFunctions } from "../../local/functions.ts";

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/** A command started in a session of its own, its output collected as it comes. */
interface Session {
  child: Deno.ChildProcess;
  /** The pid of the command (npm), also its process group's id. */
  pid: number;
  output(): string;
  /** Resolves once `text` appears in the output; rejects on exit or after `ms`. */
  waitFor(text: string, ms?: number): Promise<void>;
  /** Stops reading: the output pipe is closed, as a closed terminal is. */
  closeOutput(): Promise<void>;
}

function startSession(cmd: string, args: string[]): Session {
  const child = new Deno.Command("setsid", {
    args: [cmd, ...args],
    cwd: repoPath(),
    // Not the test stack's env: no DATABASE_URL, so each run starts a cluster of its own.
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let exited = false;
  child.status.then(() => (exited = true));
  const readers = [child.stdout, child.stderr].map((s) => s.getReader());
  const pumps = readers.map(async (r) => {
    const decoder = new TextDecoder();
    try {
      while (true) {
        const { value, done } = await r.read();
        if (done) return;
        text += decoder.decode(value);
      }
    } catch {
      // Cancelled.
    }
  });
  return {
    child,
    pid: child.pid,
    output: () => text,
    async waitFor(wanted, ms = START_TIMEOUT_MS) {
      const deadline = Date.now() + ms;
      while (!text.includes(wanted)) {
        if (exited) throw new Error(`exited before '${wanted}':\n${text}`);
        if (Date.now() > deadline) throw new Error(`no '${wanted}' within ${ms} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async closeOutput() {
      await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
      await Promise.all(pumps);
    },
  };
}

/** Every live process of the session's process group. */
async function groupPids(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await listProcesses()) {
    const stat = await Deno.readTextFile(`/proc/${p.pid}/stat`).catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid) pids.push(p.pid);
  }
  return pids;
}

/** A running `npm start` on its own ports and folder, with the pids of what it runs. */
async function npmStart(dataDir: string) {
  const apiPort = freePort();
  const dbPort = freePort();
  const session = startSession("npm", [
    "start",
    "--",
    "--api-port",
    String(apiPort),
    "--db-port",
    String(dbPort),
    "--data-dir",
    dataDir,
  ]);
  await session.waitFor("Press Ctrl-C to stop.");
  const postgresPid = Number((await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0]);
  const functionPids = Object.values(await functionProcesses(`http://127.0.0.1:${apiPort}`));
  assert.equal(functionPids.length, (await listFunctions()).length, session.output());
  const stackPid = (await listProcesses()).find((p) =>
    p.parentPid === session.pid && p.name === "deno"
  )?.pid;
  assert.ok(stackPid, "npm exec'd into deno: the stack is npm's own child");
  return { session, apiPort, dbPort, postgresPid, functionPids, stackPid };
}

type Started = Awaited<ReturnType<typeof npmStart>>;

/** Asserts that everything `s` ran is gone within the time limit and its ports are free. */
async function assertAllGone(s: Started, what: string) {
  for (const pid of [s.session.pid, s.stackPid, s.postgresPid, ...s.functionPids]) {
    assert.ok(await waitForExit(pid, STOP_TIMEOUT_MS), `${what}: pid ${pid} still runs`);
  }
  assert.deepEqual(await groupPids(s.session.pid), [], `${what}: the process group is empty`);
  assert.ok(isPortFree(s.apiPort), `${what}: functions port ${s.apiPort} is free`);
  assert.ok(isPortFree(s.dbPort), `${what}: Postgres port ${s.dbPort} is free`);
  await s.session.child.status;
}

/** Ends whatever is left of a failed test's session. */
async function killGroup(pgid: number) {
  for (const pid of await groupPids(pgid)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

Deno.test("npm start: `kill <npm pid>` stops Postgres, the functions and the gateway", async () => {
  const dataDir = throwawayDataDir("stack-test");
  let started: Started | undefined;
  try {
    started = await npmStart(dataDir);
    // What it says it does not serve, it does not serve.
    assert.match(started.session.output(), /does not serve PostgREST \(\/rest\/v1\), Auth/);
    const rest = await fetch(`http://127.0.0.1:${started.apiPort}/rest/v1/locations`);
    assert.equal(rest.status, 404);
    await rest.body?.cancel();
    Deno.kill(started.session.pid, "SIGTERM");
    await assertAllGone(started, "after SIGTERM to npm");
    assert.match(started.session.output(), /Stopped\./);
  } finally {
    if (started) await killGroup(started.session.pid);
    await started?.session.closeOutput();
    await removeDataDir(dataDir);
  }
});

Deno.test("npm start: a closed terminal (SIGHUP to the group, output gone) stops everything", async () => {
  const dataDir = throwawayDataDir("stack-test");
  let started: Started | undefined;
  try {
    started = await npmStart(dataDir);
    await started.session.closeOutput();
    Deno.kill(-started.session.pid, "SIGHUP");
    await assertAllGone(started, "after SIGHUP to the process group");
  } finally {
    if (started) await killGroup(started.session.pid);
    await removeDataDir(dataDir);
  }
});

Deno.test("npm start: Postgres and functions left by a killed stack are stopped by the next start", async () => {
  const dataDir = throwawayDataDir("stack-test");
  let first: Started | undefined;
  let second: Started | undefined;
  try {
    first = await npmStart(dataDir);
    Deno.kill(first.stackPid, "SIGKILL"); // nothing can clean up after this
    assert.ok(await waitForExit(first.stackPid, STOP_TIMEOUT_MS));
    await first.session.child.status;
    await new Promise((r) => setTimeout(r, 500));
    const orphan = await processInfo(first.postgresPid);
    assert.ok(orphan, "the killed stack's Postgres runs on");
    assert.notEqual((await processInfo(orphan.parentPid))?.name, "deno");

    second = await npmStart(dataDir);
    const said = second.session.output();
    assert.match(
      said,
      new RegExp(
        `Stopping Postgres \\(pid ${first.postgresPid}, port \\d+, data folder ${dataDir}\\)`,
      ),
    );
    assert.match(
      said,
      new RegExp(
        `Stopped ${first.functionPids.length} function process\\(es\\) left running by an earlier run`,
      ),
    );
    for (const pid of [first.postgresPid, ...first.functionPids]) {
      assert.equal(await processInfo(pid), null, `pid ${pid} of the killed stack`);
    }
    Deno.kill(second.session.pid, "SIGTERM");
    await assertAllGone(second, "after the second start's SIGTERM");
  } finally {
    for (const s of [first, second]) if (s) await killGroup(s.session.pid);
    for (const pid of first ? [first.postgresPid, ...first.functionPids] : []) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone, as it should be
      }
    }
    await first?.session.closeOutput();
    await second?.session.closeOutput();
    await removeDataDir(dataDir);
  }
});

Deno.test("npm test: Ctrl-C leaves no data folder, and the next run removes those of dead runs", async () => {
  // A folder as a run killed with SIGKILL leaves it: named after a process that has ended.
  const done = await new Deno.Command("true").spawn();
  await done.status;
  const leftover = repoPath(`.local/test-db-${done.pid}-${Date.now()}`);
  await Deno.mkdir(leftover, { recursive: true });
  await Deno.writeTextFile(`${leftover}/PG_VERSION`, "17\n");
  // A test that runs until interrupted.
  const dir = await Deno.makeTempDir({ prefix: "interrupted-" });
  await Deno.writeTextFile(
    `${dir}/slow_test.ts`,
    `Deno.test("slow", () => new Promise((r) => setTimeout(r, 120_000)));\n`,
  );
  const session = startSession(Deno.execPath(), [
    "run",
    "-A",
    repoPath("scripts/test.ts"),
    "--no-lint",
    `${dir}/slow_test.ts`,
  ]);
  try {
    await session.waitFor("running 1 test from");
    await assert.rejects(Deno.stat(leftover), Deno.errors.NotFound, "the dead run's folder");
    const ownDir = (await Array.fromAsync(Deno.readDir(repoPath(".local"))))
      .find((e) => e.isDirectory && e.name.startsWith(`test-db-${session.pid}-`))?.name;
    assert.ok(ownDir, `the run's data folder:\n${session.output()}`);
    const postgresPid = Number(
      (await Deno.readTextFile(repoPath(`.local/${ownDir}/postmaster.pid`))).split("\n")[0],
    );
    Deno.kill(-session.pid, "SIGINT"); // Ctrl-C: the whole foreground group
    const status = await Promise.race([
      session.child.status,
      new Promise<null>((r) => setTimeout(() => r(null), STOP_TIMEOUT_MS)),
    ]);
    assert.ok(status, `npm test did not stop:\n${session.output()}`);
    assert.equal(status.code, 130);
    assert.ok(await waitForExit(postgresPid, STOP_TIMEOUT_MS), "its Postgres stopped");
    await assert.rejects(Deno.stat(repoPath(`.local/${ownDir}`)), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(repoPath(`.local/${ownDir}.log`)), Deno.errors.NotFound);
    assert.deepEqual(await groupPids(session.pid), []);
  } finally {
    await killGroup(session.pid);
    await session.closeOutput();
    await removeDataDir(leftover);
    await Deno.remove(dir, { recursive: true });
  }
});
