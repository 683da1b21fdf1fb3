/**
 * One run of the vendor sync, for as long as one invocation may work on it: phase by phase,
 * page by page, each page stored with the cursor after it in one transaction
 * (`pipeline.sync_apply_page`), so a run killed anywhere resumes where its last page left off
 * and counts nothing twice.
 *
 * Phases (each skipped when the run has no connection for it):
 * 1. `toast_orders`: ordersBulk over `[modifiedSince, windowEnd)` in windows of at most a month
 *    (6 s apart), pages of 100 until an empty page or no `rel="next"`.
 * 2. `toast_refunds`: per business date of the run, the payments Toast lists as refunded; those
 *    no stored order carries yet are looked up (payment → order) and their orders ingested. The
 *    lists are asked for ahead (one with each ordersBulk page, the rest 20 at a time); a page
 *    covers every date up to and including the next one with a refund to look up.
 * 3. `sevenshifts_punches`: every punch of the location clocked in within the run's business
 *    days (breaks edited without a webhook included), `meta.cursor.next` until null.
 * 4. `sevenshifts_missing`: stored punches of those days the pass did not return are looked up
 *    by id: deleted (or gone: 404) or moved, without a webhook reaching us.
 *
 * A `schedule` run (20261130000100_schedule.sql) has one phase of its own,
 * `sevenshifts_shifts`: the location's published shifts starting in `[shiftsFrom, shiftsTo)`,
 * deleted ones included, page by page; each page is staged with its cursor, and the last one
 * replaces the stored range with all of them in one transaction
 * (`pipeline.replace_scheduled_shifts`).
 *
 * Every row becomes the event its webhook would have made (same schema, same normalisation,
 * an `api:` event key) and goes through the webhooks' ingest functions; a row equal to what is
 * stored is counted unchanged and never written.
 *
 * @module
 */
import type { FieldProblem } from "../../../shared/errors.ts";
import { sha256Hex } from "../../../shared/signatures.ts";
import { deletionOf } from "../../../shared/sevenshifts_api.ts";
import type { FetchedOrder } from "../../../shared/toast_api.ts";
import { TOAST_WINDOW_SPACING_MS, toastWindows } from "../../../shared/toast_api.ts";
import type { FetchedPunch, FetchedShift, SevenShiftsClient } from "./sevenshifts_client.ts";
import type { NormalizedShift } from "../../../shared/sevenshifts_shifts.ts";
import type {
  ClaimedRun,
  SyncDb,
  SyncOrderEvent,
  SyncPage,
  SyncPhase,
  SyncPunchEvent,
} from "./sync_db.ts";
import type { ToastClient } from "./toast_client.ts";
import { type Clock, OutOfTime, type VendorHttp } from "./vendor_http.ts";

/** Payments looked up per refund date per run (more wait for the next sync). */
export const MAX_UNKNOWN_REFUNDS_PER_DATE = 100;
/** Punches looked up by id per page. */
export const MISSING_PUNCHES_PER_PAGE = 20;
/**
 * Refund dates whose lists of refunded payments are asked for ahead of the one being worked on:
 * one second of Toast's 20 requests a second per client (the pacing spreads them out).
 */
export const REFUND_LISTS_AHEAD = 20;

/** What one run needs for one invocation. */
export interface RunWork {
  run: ClaimedRun;
  db: SyncDb;
  toast: ToastClient | null;
  sevenshifts: SevenShiftsClient | null;
  clock: Clock;
  deadline: number;
  leaseSeconds: number;
  /** Vendor pages this invocation may still store (bounds its CPU). */
  pagesLeft: { n: number };
}

/** How far a run got in this invocation. */
export type RunProgress = { done: true } | { done: false; reason: string };

const NEXT_PHASE: Record<SyncPhase, SyncPhase> = {
  toast_orders: "toast_refunds",
  toast_refunds: "sevenshifts_punches",
  sevenshifts_punches: "sevenshifts_missing",
  sevenshifts_missing: "done",
  sevenshifts_shifts: "done",
  done: "done",
};

/** The `api:` event key of a fetched row: a re-fetch of the same text is the same event. */
function eventKey(topic: string, rawBody: string): Promise<string> {
  return sha256Hex(`${topic}\n${rawBody}`).then((h) => `api:${h}`);
}

/** Turns fetched orders into ingest events and problems. */
async function orderEvents(
  run: ClaimedRun,
  fetched: FetchedOrder[],
  topic: string,
): Promise<{ events: SyncOrderEvent[]; problems: SyncPage["problems"] }> {
  const events: SyncOrderEvent[] = [];
  const problems: SyncPage["problems"] = [];
  for (const f of fetched) {
    const id = idOf(f.raw, "guid");
    if (!f.result.ok) {
      problems.push(...firstProblem(f.result.problems, id, topic));
      continue;
    }
    const rawBody = JSON.stringify(f.raw);
    events.push({
      eventKey: await eventKey(topic, rawBody),
      topic,
      restaurantGuid: (run.location.toastRestaurantGuid ?? "").toLowerCase(),
      headers: { "x-sync-run": String(run.runId) },
      rawBody,
      order: f.result.value,
    });
  }
  return { events, problems };
}

/** Turns fetched punches into ingest events and problems. */
async function punchEvents(
  run: ClaimedRun,
  fetched: FetchedPunch[],
  topic: string,
): Promise<{ events: SyncPunchEvent[]; problems: SyncPage["problems"]; ids: number[] }> {
  const events: SyncPunchEvent[] = [];
  const problems: SyncPage["problems"] = [];
  const ids: number[] = [];
  for (const f of fetched) {
    const id = idOf(f.raw, "id");
    if (!f.result.ok) {
      problems.push(...firstProblem(f.result.problems, id, topic));
      if (/^\d+$/.test(id ?? "")) ids.push(Number(id));
      continue;
    }
    const punch = f.result.value;
    ids.push(punch.punchId);
    const rawBody = JSON.stringify(f.raw);
    events.push({
      eventKey: await eventKey(topic, rawBody),
      topic,
      companyId: punch.companyId,
      locationId: punch.locationId,
      headers: { "x-sync-run": String(run.runId) },
      rawBody,
      punch,
      deletion: null,
    });
  }
  return { events, problems, ids };
}

/** A page of fetched shifts: the valid ones, and the ids and problems of the others. */
function shiftRecords(fetched: FetchedShift[], topic: string) {
  const shifts: NormalizedShift[] = [];
  const invalidIds: number[] = [];
  const problems: SyncPage["problems"] = [];
  for (const f of fetched) {
    if (f.result.ok) {
      shifts.push(f.result.value);
      continue;
    }
    const id = idOf(f.raw, "id");
    problems.push(...firstProblem(f.result.problems, id, topic));
    // Returned, so not missing: a stored version of it stays until a valid one replaces it.
    if (/^\d{1,15}$/.test(id ?? "")) invalidIds.push(Number(id));
  }
  return { shifts, invalidIds, problems };
}

function idOf(raw: unknown, key: string): string | undefined {
  const v = raw && typeof raw === "object" ? (raw as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" || typeof v === "number" ? String(v).slice(0, 100) : undefined;
}

function firstProblem(problems: FieldProblem[], id: string | undefined, topic: string) {
  const p = problems[0] ?? { path: "(row)", message: "invalid" };
  return [{ id: id ?? "(no id)", path: `${topic}:${p.path}`, message: p.message.slice(0, 200) }];
}

/** Works on one claimed run until it is done, or the invocation must stop. */
export async function advanceRun(w: RunWork): Promise<RunProgress> {
  const { run, db, clock } = w;
  let phase: SyncPhase = run.phase;
  let cursor: Record<string, unknown> = run.cursor ?? {};
  const http = (): VendorHttp[] =>
    [w.toast?.http, w.sevenshifts?.http].filter((h): h is VendorHttp => h !== undefined);
  let reported = http().reduce((n, h) => n + h.sent, 0);
  const store = async (
    page: Omit<SyncPage, "runId" | "leaseToken" | "leaseSeconds" | "requests">,
  ) => {
    const sent = http().reduce((n, h) => n + h.sent, 0);
    await db.applyPage({
      runId: run.runId,
      leaseToken: run.leaseToken,
      leaseSeconds: w.leaseSeconds,
      requests: sent - reported,
      ...page,
    });
    reported = sent;
    phase = page.phase;
    cursor = page.cursor;
    if (page.counted) w.pagesLeft.n--;
  };
  const nextPhase = (extra: Partial<SyncPage> = {}) =>
    store({
      phase: NEXT_PHASE[phase],
      cursor: {},
      counted: false,
      orders: [],
      punches: [],
      seenPunchIds: [],
      problems: [],
      ...extra,
    });

  /** The ordersBulk page being fetched while the last one is stored (`window:page`). */
  let ahead: { key: string; page: ReturnType<ToastClient["ordersPage"]> } | null = null;
  /** Refunded-payment lists asked for ahead, by index into `run.refundDates`. */
  const refundLists = new Map<number, Promise<string[]>>();
  /** Asks for the lists of up to `count` dates from `index` not asked for yet. */
  const askRefundLists = (toast: ToastClient, index: number, count: number) => {
    const last = Math.min(index + count, run.refundDates.length);
    for (let i = index; i < last; i++) {
      if (refundLists.has(i)) continue;
      const list = toast.refundedPayments(run.refundDates[i]!);
      list.catch(() => {}); // awaited in turn, or dropped with the invocation
      refundLists.set(i, list);
    }
  };
  const refundList = (toast: ToastClient, index: number): Promise<string[]> => {
    askRefundLists(toast, index, REFUND_LISTS_AHEAD);
    return refundLists.get(index)!;
  };
  while (phase !== "done") {
    if (clock.now() >= w.deadline) return { done: false, reason: "budget" };
    if (w.pagesLeft.n <= 0) return { done: false, reason: "pages" };
    try {
      switch (phase) {
        case "toast_orders": {
          if (!w.toast) {
            await nextPhase();
            break;
          }
          const windows = toastWindows(Date.parse(run.modifiedSince), Date.parse(run.windowEnd));
          const index = Number(cursor.window ?? 0);
          const page = Number(cursor.page ?? 1);
          if (index >= windows.length) {
            await nextPhase();
            break;
          }
          // History windows are asked for 5-10 s apart.
          const previousDone = Number(cursor.windowDoneAt ?? 0);
          if (page === 1 && index > 0 && previousDone > 0) {
            const due = previousDone + TOAST_WINDOW_SPACING_MS;
            if (due >= w.deadline) return { done: false, reason: "budget" };
            if (due > clock.now()) await clock.sleep(due - clock.now());
          }
          const [start, end] = windows[index];
          const toast = w.toast;
          const got = ahead?.key === `${index}:${page}`
            ? await ahead.page
            : await toast.ordersPage(start, end, page);
          ahead = null;
          // The next page of the window is asked for while this one is stored (paced as ever;
          // dropped if the store fails or the invocation stops), so the vendor's pacing and the
          // database's work overlap instead of adding up.
          if (got.more && w.pagesLeft.n > 1) {
            const next = toast.ordersPage(start, end, page + 1);
            next.catch(() => {}); // awaited on the next pass, or dropped with the invocation
            ahead = { key: `${index}:${page + 1}`, page: next };
          }
          // ordersBulk uses 5 of the client's 20 requests a second: with each page, the list
          // of one refund date is asked for (read once the orders are stored), so that the
          // next phase does not start by waiting a second for them.
          // (The lists asked for so far are those of the first dates, so the next is `size`.)
          askRefundLists(toast, refundLists.size, 1);
          const { events, problems } = await orderEvents(run, got.orders, "api.ordersBulk");
          await store({
            phase,
            cursor: got.more
              ? { window: index, page: page + 1 }
              : { window: index + 1, page: 1, windowDoneAt: clock.now() },
            counted: true,
            orders: events,
            punches: [],
            seenPunchIds: [],
            problems,
          });
          break;
        }
        case "toast_refunds": {
          const index = Number(cursor.date ?? 0);
          if (!w.toast || index >= run.refundDates.length) {
            await nextPhase();
            break;
          }
          // The lists of the dates ahead are asked for at once (paced by the client's limit; the
          // first ones with the orders' pages), and the dates with no refund unknown to us are
          // stored together: one date at a time, each its own request and transaction, took
          // ~0.1 s a date.
          let dateIndex = index;
          let unknown: string[] = [];
          for (; dateIndex < run.refundDates.length; dateIndex++) {
            const listed = await refundList(w.toast, dateIndex);
            unknown = listed.length === 0 ? [] : await db.unknownRefunds(run, listed);
            if (unknown.length > 0) break;
          }
          if (dateIndex === run.refundDates.length) {
            await store({
              phase,
              cursor: { date: dateIndex },
              counted: true,
              orders: [],
              punches: [],
              seenPunchIds: [],
              problems: [],
            });
            break;
          }
          const date = run.refundDates[dateIndex];
          const fetched: FetchedOrder[] = [];
          const problems: SyncPage["problems"] = [];
          const orderGuids = new Set<string>();
          for (const payment of unknown.slice(0, MAX_UNKNOWN_REFUNDS_PER_DATE)) {
            const orderGuid = (await w.toast.orderOfPayment(payment)).toLowerCase();
            if (orderGuids.has(orderGuid)) continue;
            orderGuids.add(orderGuid);
            fetched.push(await w.toast.order(orderGuid));
          }
          if (unknown.length > MAX_UNKNOWN_REFUNDS_PER_DATE) {
            problems.push({
              id: date,
              path: "toast_refunds",
              message: `${unknown.length} refunded payments unknown; the first ` +
                `${MAX_UNKNOWN_REFUNDS_PER_DATE} looked up, the rest on the next sync`,
            });
          }
          const built = await orderEvents(run, fetched, "api.orders");
          await store({
            phase,
            cursor: { date: dateIndex + 1 },
            counted: true,
            orders: built.events,
            punches: [],
            seenPunchIds: [],
            problems: [...problems, ...built.problems],
          });
          break;
        }
        case "sevenshifts_punches": {
          const locationId = run.location.sevenshiftsLocationId;
          if (!w.sevenshifts || locationId === null) {
            await nextPhase();
            break;
          }
          const got = await w.sevenshifts.punchesPage(
            locationId,
            Date.parse(run.clockedInFrom),
            Date.parse(run.clockedInTo),
            typeof cursor.next === "string" ? cursor.next : null,
          );
          const built = await punchEvents(run, got.rows, "api.time_punches");
          await store({
            phase: got.next ? phase : NEXT_PHASE[phase],
            cursor: got.next ? { next: got.next } : {},
            counted: true,
            orders: [],
            punches: built.events,
            seenPunchIds: built.ids,
            problems: built.problems,
          });
          break;
        }
        case "sevenshifts_shifts": {
          const locationId = run.location.sevenshiftsLocationId;
          if (!w.sevenshifts || locationId === null || !run.shiftsFrom || !run.shiftsTo) {
            // Unmapped since it was queued: the last page reports it (nothing stored).
            await nextPhase({ shiftsComplete: true });
            break;
          }
          const got = await w.sevenshifts.shiftsPage(
            locationId,
            Date.parse(run.shiftsFrom),
            Date.parse(run.shiftsTo),
            typeof cursor.next === "string" ? cursor.next : null,
          );
          const built = shiftRecords(got.rows, "api.shifts");
          await store({
            phase: got.next ? phase : NEXT_PHASE[phase],
            cursor: got.next ? { next: got.next } : {},
            counted: true,
            orders: [],
            punches: [],
            seenPunchIds: [],
            problems: built.problems,
            shifts: built.shifts,
            seenShiftIds: built.invalidIds,
            shiftsComplete: !got.next,
          });
          break;
        }
        case "sevenshifts_missing": {
          const ids = w.sevenshifts ? await db.unseenPunches(run) : [];
          if (!w.sevenshifts || ids.length === 0) {
            await nextPhase();
            break;
          }
          const batch = ids.slice(0, MISSING_PUNCHES_PER_PAGE);
          const found: FetchedPunch[] = [];
          const gone: number[] = [];
          for (const id of batch) {
            const punch = await w.sevenshifts.punch(id);
            if (punch) found.push(punch);
            else gone.push(id);
          }
          const built = await punchEvents(run, found, "api.time_punch");
          const companyId = w.sevenshifts.company.companyId;
          const deletions: SyncPunchEvent[] = [];
          for (const id of gone) {
            const rawBody = JSON.stringify({ id, company_id: companyId, status: 404 });
            deletions.push({
              eventKey: await eventKey("api.time_punch.gone", rawBody),
              topic: "api.time_punch.gone",
              companyId,
              locationId: null,
              headers: { "x-sync-run": String(run.runId) },
              rawBody,
              punch: null,
              deletion: deletionOf(id, companyId),
            });
          }
          // Everything looked up counts as seen, so the next page asks for the rest.
          await store({
            phase,
            cursor: {},
            counted: true,
            orders: [],
            punches: [...built.events, ...deletions],
            seenPunchIds: batch,
            problems: built.problems,
          });
          break;
        }
      }
    } catch (err) {
      if (err instanceof OutOfTime) return { done: false, reason: "budget" };
      throw err;
    }
  }
  return { done: true };
}
