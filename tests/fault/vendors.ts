/**
 * Signed vendor deliveries and isolated locations for the fault and security tests: a Toast
 * order envelope or a 7shifts punch, signed as the vendor signs it, sent over real HTTP
 * (optionally on a connection of its own), and a fresh location mapped to random vendor ids.
 *
 * @module
 */
import type postgres from "postgres";
import { signSevenShiftsPayload, signToastPayload } from "../../shared/signatures.ts";

/** A minimal Toast order: one check of `amountCents`, one payment with `tipCents`. */
export interface SimpleOrder {
  orderGuid: string;
  /** `yyyyMMdd`. */
  businessDate: number;
  /** Toast `modifiedDate`, the version. */
  modifiedDate: string;
  amountCents: number;
  tipCents: number;
  /** A refund of part of the item (same business day, no tax), in cents. */
  refundCents?: number;
}

/** The Toast orders-webhook envelope of `order` for `restaurantGuid` (a fresh event GUID). */
export function toastEnvelope(
  order: SimpleOrder,
  restaurantGuid: string,
  eventGuid: string = crypto.randomUUID(),
): string {
  const paymentGuid = `${order.orderGuid.slice(0, 24)}000000000001`;
  // Toast links what a refund took back (the item's refundDetails) and when (the payment's
  // refund) through one refund transaction.
  const refundTransaction = {
    guid: `${order.orderGuid.slice(0, 24)}0000000000f1`,
    entityType: "RefundTransaction",
  };
  return JSON.stringify({
    timestamp: new Date(Date.parse(order.modifiedDate) + 1500).toISOString(),
    eventCategory: "orders",
    eventType: "order_updated",
    guid: eventGuid,
    details: {
      restaurantGuid,
      order: {
        guid: order.orderGuid,
        entityType: "Order",
        businessDate: order.businessDate,
        modifiedDate: order.modifiedDate,
        voided: false,
        deleted: false,
        excessFood: false,
        checks: [{
          guid: `${order.orderGuid.slice(0, 24)}00000000c0c0`,
          entityType: "Check",
          amount: order.amountCents / 100,
          taxAmount: Math.round(order.amountCents * 0.08) / 100,
          voided: false,
          deleted: false,
          selections: [{
            guid: `${order.orderGuid.slice(0, 24)}00000000a0a0`,
            price: order.amountCents / 100,
            voided: false,
            deferred: false,
            selectionType: "NONE",
            refundDetails: order.refundCents
              ? { refundAmount: order.refundCents / 100, taxRefundAmount: 0, refundTransaction }
              : null,
          }],
          payments: [{
            guid: paymentGuid,
            tipAmount: order.tipCents / 100,
            paymentStatus: "CAPTURED",
            refund: order.refundCents
              ? {
                refundAmount: order.refundCents / 100,
                tipRefundAmount: 0,
                refundBusinessDate: order.businessDate,
                refundTransaction,
              }
              : null,
          }],
        }],
      },
    },
  });
}

/** Sends a signed Toast delivery; `client` pins it to a connection of its own. */
export async function deliverToast(
  functionsUrl: string,
  secret: string,
  body: string,
  restaurantGuid: string,
  client?: Deno.HttpClient,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const timestamp = JSON.parse(body).timestamp as string;
  const res = await fetch(`${functionsUrl}/toast-webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "toast-signature": await signToastPayload(body, timestamp, secret),
      "toast-restaurant-external-id": restaurantGuid,
      "toast-event-type": "order_updated",
    },
    body,
    client,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/** A minimal 7shifts punch (closed, no breaks). */
export interface SimplePunch {
  id: number;
  companyId: number;
  locationId: number;
  /** Clock-in, UTC `YYYY-MM-DD HH:MM:SS`. */
  clockedIn: string;
  clockedOut: string;
  /** `modified`, the version. */
  modified: string;
  hourlyWage: number;
}

/** The bare punch body 7shifts posts. */
export function punchBody(p: SimplePunch): string {
  return JSON.stringify({
    id: p.id,
    company_id: p.companyId,
    location_id: p.locationId,
    user_id: 4242,
    role_id: 1,
    department_id: 1,
    hourly_wage: p.hourlyWage,
    approved: false,
    clocked_in: p.clockedIn,
    clocked_out: p.clockedOut,
    modified: p.modified,
    deleted: false,
    time_punch_breaks: [],
  });
}

/** A closed 6-hour punch at $18/h on 2026-11-21 for the location of `ids`, with a fresh id. */
export function sixHourPunch(
  ids: { companyId: number; sevenShiftsLocationId: number },
): SimplePunch {
  return {
    id: 1_950_000_000 + Math.floor(Math.random() * 40_000_000),
    companyId: ids.companyId,
    locationId: ids.sevenShiftsLocationId,
    clockedIn: "2026-11-21 14:00:00",
    clockedOut: "2026-11-21 20:00:00",
    modified: "2026-11-21 20:01:00",
    hourlyWage: 18,
  };
}

/** Sends a 7shifts delivery signed with a fresh timestamp. */
export async function deliverPunch(
  functionsUrl: string,
  grantGuid: string,
  body: string,
  topic: string,
  client?: Deno.HttpClient,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${functionsUrl}/sevenshifts-webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-webhook-topic": topic,
      "x-company-id": String(JSON.parse(body).company_id ?? ""),
      "x-hmac-timestamp": ts,
      "x-hmac-signature": await signSevenShiftsPayload(body, ts, grantGuid),
    },
    body,
    client,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/**
 * A signed Toast delivery and a signed 7shifts punch for `ids`' location that both carry
 * `marker` (the envelope GUID, the punch's notes: what failAtCommitFor in support.ts looks
 * for), sent to `functionsUrl`; their answers.
 */
export async function deliverMarked(
  functionsUrl: string,
  secrets: { toastSecret: string; sevenShiftsGrantGuid: string },
  ids: ReturnType<typeof vendorIds>,
  marker: string,
): Promise<Record<"toast" | "7shifts", { status: number; json: Record<string, unknown> }>> {
  const envelope = JSON.parse(toastEnvelope({
    orderGuid: crypto.randomUUID(),
    businessDate: 20261121,
    modifiedDate: "2026-11-21T19:00:00.000Z",
    amountCents: 5_000,
    tipCents: 0,
  }, ids.toastGuid));
  envelope.guid = marker;
  const punch = JSON.parse(punchBody(sixHourPunch(ids)));
  punch.notes = marker;
  return {
    toast: await deliverToast(
      functionsUrl,
      secrets.toastSecret,
      JSON.stringify(envelope),
      ids.toastGuid,
    ),
    "7shifts": await deliverPunch(
      functionsUrl,
      secrets.sevenShiftsGrantGuid,
      JSON.stringify(punch),
      "time_punch.created",
    ),
  };
}

/** Random vendor ids for one isolated location. */
export function vendorIds() {
  return {
    toastGuid: crypto.randomUUID(),
    companyId: 100_000_000 + Math.floor(Math.random() * 800_000_000),
    sevenShiftsLocationId: 100_000_000 + Math.floor(Math.random() * 800_000_000),
  };
}

/** Inserts a location mapped to `ids` (UTC, cut-off 4, alerts off unless asked). */
export async function newLocation(
  sql: postgres.Sql,
  ids: ReturnType<typeof vendorIds>,
  opts: { alerts?: boolean; slackWebhookUrl?: string; name?: string } = {},
): Promise<number> {
  const [row] = await sql`
    insert into public.locations (name, time_zone, toast_restaurant_guid, sevenshifts_company_id,
      sevenshifts_location_id, alerts_enabled, slack_webhook_url)
    values (${opts.name ?? `Fault test ${ids.toastGuid.slice(0, 8)}`}, 'UTC', ${ids.toastGuid},
      ${ids.companyId}, ${ids.sevenShiftsLocationId}, ${opts.alerts ?? false},
      ${opts.slackWebhookUrl ?? null})
    returning id`;
  return Number(row.id);
}
