/**
 * The delivery plan: every version of every order and punch becomes one vendor webhook
 * (raw body text, ready to sign), sent in time order per location, with a configurable share
 * of redeliveries (duplicates) and of deliveries that arrive late, behind newer ones.
 *
 * @module
 */
import type { SimLocation, SimOrder, SimPunch } from "./model.ts";
import type { Rng } from "./prng.ts";
import { renderPunch, renderToastOrder, type ToastConfigGuids, type WageUnit } from "./render.ts";

/** One webhook delivery. */
export interface Delivery {
  /** Position in the whole plan (0-based). */
  seq: number;
  locationIndex: number;
  vendor: "toast" | "7shifts";
  /** Toast `eventType` or 7shifts `x-webhook-topic`. */
  topic: string;
  /** When the vendor fired the event (simulated epoch ms). */
  at: number;
  /** When it is sent (simulated epoch ms): `at`, or later for a late or repeated delivery. */
  sendAt: number;
  /** The exact body to send (and sign). */
  rawBody: string;
  /** Toast envelope `timestamp` (part of the signed message); null for 7shifts. */
  envelopeTimestamp: string | null;
  /** Toast restaurant GUID (header); null for 7shifts. */
  restaurantGuid: string | null;
  /** 7shifts company id (header); null for Toast. */
  companyId: number | null;
  /** `order:<guid>` or `punch:<id>`. */
  entity: string;
  versionIndex: number;
  versionCount: number;
  /** A repeat of an earlier delivery of the same event. */
  duplicate: boolean;
  /** Sent behind events that happened after it. */
  displaced: boolean;
  /** What changed, for people. */
  change: string;
}

/** How the plan perturbs time order. */
export interface PlanOptions {
  /** Share of events delivered a second time (0-1). */
  duplicateRate: number;
  /** Share of events delivered late, behind up to six newer ones (0-1). */
  reorderRate: number;
  wageUnit: WageUnit;
  /**
   * Share of each location's events never delivered (0-1, by location index; default 0): the
   * vendor gave up on them. Drawn from a stream of its own, so every other delivery is the
   * same as without losses.
   */
  lossRates?: readonly number[];
  /**
   * Spans of time (simulated epoch ms, `[from, to)`) in which a location's vendors sent nothing
   * that arrived (a paused subscription): every event fired then is lost, by location index.
   */
  outages?: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
}

type Event = Omit<Delivery, "seq" | "sendAt" | "duplicate" | "displaced">;

/** Every event of the run, before perturbation, sorted by time per location. */
export function buildEvents(
  locations: readonly SimLocation[],
  orders: readonly SimOrder[],
  punches: readonly SimPunch[],
  toastConfig: readonly ToastConfigGuids[],
  newEventGuid: () => string,
  rng: Rng,
  wageUnit: WageUnit,
): Event[] {
  const events: Event[] = [];
  for (const o of orders) {
    const loc = locations[o.locationIndex];
    o.versions.forEach((v, i) => {
      // Toast posts within seconds of the change.
      const at = v.modifiedAt + rng.int(300, 4000);
      const timestamp = new Date(at).toISOString();
      const envelope = {
        timestamp,
        eventCategory: "orders",
        eventType: "order_updated",
        guid: newEventGuid(),
        details: renderToastOrder(o, v, loc, toastConfig[o.locationIndex]),
      };
      events.push({
        locationIndex: o.locationIndex,
        vendor: "toast",
        topic: "order_updated",
        at,
        rawBody: JSON.stringify(envelope),
        envelopeTimestamp: timestamp,
        restaurantGuid: loc.toastRestaurantGuid,
        companyId: null,
        entity: `order:${o.guid}`,
        versionIndex: i,
        versionCount: o.versions.length,
        change: v.change,
      });
    });
  }
  for (const p of punches) {
    const loc = locations[p.locationIndex];
    p.versions.forEach((v, i) => {
      // 7shifts sends nothing for a break change: only the API shows it.
      if (v.silent) return;
      const latency = rng.int(500, 5000);
      events.push({
        locationIndex: p.locationIndex,
        vendor: "7shifts",
        topic: v.topic,
        at: v.deliverAt ?? v.modifiedAt + latency,
        rawBody: JSON.stringify(renderPunch(p, v, loc, wageUnit)),
        envelopeTimestamp: null,
        restaurantGuid: null,
        companyId: loc.sevenShiftsCompanyId,
        entity: `punch:${p.id}`,
        versionIndex: i,
        versionCount: p.versions.length,
        change: v.change,
      });
    });
  }
  return events.sort((a, b) =>
    a.locationIndex - b.locationIndex || a.at - b.at || a.entity.localeCompare(b.entity) ||
    a.versionIndex - b.versionIndex
  );
}

/**
 * Turns the events into the delivery plan: per location, some events are held back behind up
 * to six newer ones and some are sent twice (the copy up to eight deliveries later); then the
 * locations' streams are merged by send time.
 */
export function planDeliveries(
  events: readonly Event[],
  rng: Rng,
  opts: PlanOptions,
): { deliveries: Delivery[]; lost: Delivery[] } {
  const byLocation = new Map<number, Event[]>();
  for (const e of events) {
    const list = byLocation.get(e.locationIndex) ?? [];
    list.push(e);
    byLocation.set(e.locationIndex, list);
  }
  const all: Array<Omit<Delivery, "seq">> = [];
  const lost: Delivery[] = [];
  for (const [loc, list] of [...byLocation.entries()].sort((a, b) => a[0] - b[0])) {
    const lr = rng.fork(`location ${loc}`);
    const keyed = list.map((e, i) => {
      const displaced = lr.chance(opts.reorderRate);
      return { e, key: displaced ? i + lr.int(1, 6) + 0.5 : i, displaced };
    });
    const copies = keyed.filter(() => lr.chance(opts.duplicateRate)).map((k) => ({
      e: k.e,
      key: k.key + lr.int(0, 8) + 0.25,
      displaced: false,
      duplicate: true,
    }));
    const lossRng = rng.fork(`loss ${loc}`);
    const lossRate = opts.lossRates?.[loc] ?? 0;
    const outages = opts.outages?.[loc] ?? [];
    const gone = new Set(
      list.filter((e) =>
        lossRng.chance(lossRate) || outages.some(([from, to]) => e.at >= from && e.at < to)
      ),
    );
    for (const e of gone) {
      lost.push({ ...e, seq: -1, sendAt: e.at, duplicate: false, displaced: false });
    }
    const ordered = [...keyed.map((k) => ({ ...k, duplicate: false })), ...copies]
      .filter((k) => !gone.has(k.e))
      .sort((a, b) => a.key - b.key);
    let clock = -Infinity;
    for (const k of ordered) {
      clock = Math.max(clock, k.e.at);
      all.push({ ...k.e, sendAt: clock, duplicate: k.duplicate, displaced: k.displaced });
    }
  }
  // Stable merge by send time; within a location the order above is kept.
  const perLocationIndex = new Map<number, number>();
  const withRank = all.map((d) => {
    const rank = perLocationIndex.get(d.locationIndex) ?? 0;
    perLocationIndex.set(d.locationIndex, rank + 1);
    return { d, rank };
  });
  withRank.sort((a, b) =>
    a.d.sendAt - b.d.sendAt || a.d.locationIndex - b.d.locationIndex || a.rank - b.rank
  );
  return { deliveries: withRank.map(({ d }, seq) => ({ ...d, seq })), lost };
}
