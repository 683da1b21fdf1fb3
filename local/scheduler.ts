/**
 * The local stand-in for pg_cron: runs the jobs in `cron.job` on their schedules.
 *
 * Migrations register jobs with `cron.schedule(name, schedule, command)` exactly as on
 * Supabase (where pg_cron runs them); here they run from this process. Schedules are
 * pg_cron's: five cron fields (`*`, lists, ranges, steps) in UTC, or `'N seconds'`. Like
 * pg_cron's worker it connects as the superuser and runs each job as the user who scheduled
 * it (`cron.job.username`; postgres for the project's jobs), never with more rights.
 *
 * @module
 */
import postgres from "postgres";

/** A running scheduler. */
export interface SchedulerHandle {
  /** Runs one job now by name (what the schedule would run), recording it like pg_cron. */
  runNow(jobName: string): Promise<void>;
  stop(): Promise<void>;
}

interface Job {
  jobid: string;
  jobname: string | null;
  schedule: string;
  command: string;
  username: string;
}

function parseField(field: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const [a, b] = range.split("-").map(Number);
      lo = a;
      hi = b === undefined ? (stepText === undefined ? a : max) : b;
    }
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max) {
      throw new Error(`bad cron field '${field}'`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/**
 * True when a five-field cron `schedule` fires at the minute starting at `at` (UTC).
 * Day-of-month and day-of-week combine with OR when both are restricted, as in cron.
 */
export function cronMatches(schedule: string, at: Date): boolean {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`bad cron schedule '${schedule}'`);
  const [minute, hour, dom, month, dow] = fields;
  const dowSet = parseField(dow, 0, 7);
  if (dowSet.has(7)) dowSet.add(0);
  const domOk = parseField(dom, 1, 31).has(at.getUTCDate());
  const dowOk = dowSet.has(at.getUTCDay());
  const dayOk = dom !== "*" && dow !== "*" ? domOk || dowOk : domOk && dowOk;
  return parseField(minute, 0, 59).has(at.getUTCMinutes()) &&
    parseField(hour, 0, 23).has(at.getUTCHours()) &&
    parseField(month, 1, 12).has(at.getUTCMonth() + 1) && dayOk;
}

/** Seconds between runs for pg_cron's `'N seconds'` form, or null for a cron expression. */
export function intervalSeconds(schedule: string): number | null {
  const m = /^\s*(\d+)\s+seconds?\s*$/i.exec(schedule);
  return m ? Number(m[1]) : null;
}

/** `name` as a quoted SQL identifier. */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Starts running the jobs of the database at `adminDatabaseUrl`, a superuser's connection
 * (it reads every user's jobs and becomes each job's user).
 */
export async function startScheduler(
  adminDatabaseUrl: string,
  opts: { onError?: (message: string) => void } = {},
): Promise<SchedulerHandle> {
  const sql = postgres(adminDatabaseUrl, { max: 3, onnotice: () => {} });
  let stopped = false;
  let jobs: Job[] = [];
  const running = new Set<string>();
  const lastSecondsRun = new Map<string, number>();

  async function load() {
    jobs = await sql<Job[]>`
      select jobid::text, jobname, schedule, command, username from cron.job where active
    `;
  }

  async function run(job: Job): Promise<void> {
    // pg_cron does not overlap runs of one job; neither do we.
    if (running.has(job.jobid)) return;
    running.add(job.jobid);
    const start = new Date();
    let status = "succeeded";
    let message = "";
    const session = await sql.reserve();
    try {
      // The job's own user, for the whole session: what it does is what that user may do.
      await session.unsafe(`set session authorization ${quoteIdent(job.username)}`);
      await session.unsafe(job.command);
    } catch (err) {
      status = "failed";
      message = err instanceof Error ? err.message : String(err);
      opts.onError?.(`cron job ${job.jobname ?? job.jobid}: ${message}`);
    } finally {
      await session.unsafe("reset session authorization").catch(() => {});
      session.release();
      running.delete(job.jobid);
    }
    await sql`
      insert into cron.job_run_details (jobid, username, command, status, return_message,
        start_time, end_time)
      values (${job.jobid}, ${job.username}, ${job.command}, ${status}, ${message}, ${start},
        ${new Date()})
    `.catch(() => {});
  }

  await load();
  const listener = await sql.listen("cron_job_changed", () => void load().catch(() => {}));

  // One timer: wake at the next whole second, fire what is due.
  let lastMinute = Math.floor(Date.now() / 60_000);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    for (const job of jobs) {
      try {
        const every = intervalSeconds(job.schedule);
        if (every !== null) {
          const last = lastSecondsRun.get(job.jobid) ?? 0;
          if (now - last >= every * 1000) {
            lastSecondsRun.set(job.jobid, now);
            void run(job);
          }
        } else if (minute !== lastMinute && cronMatches(job.schedule, new Date(minute * 60_000))) {
          void run(job);
        }
      } catch (err) {
        opts.onError?.(err instanceof Error ? err.message : String(err));
      }
    }
    lastMinute = minute;
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  timer = setTimeout(tick, 1000 - (Date.now() % 1000));

  return {
    async runNow(jobName: string) {
      await load();
      const job = jobs.find((j) => j.jobname === jobName);
      if (!job) throw new Error(`no cron job named '${jobName}'`);
      await run(job);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await listener.unlisten().catch(() => {});
      await sql.end({ timeout: 2 });
    },
  };
}
