/**
 * A morning flash as the database builds it (`public.alerts.details` of a 'flash' row) for two
 * locations on one Slack channel: the sample of docs/alert-samples.md and the unit tests' base.
 *
 * @module
 */
import type { FlashFacts, FlashLocation } from "../../shared/flash_messages.ts";

const bistro: FlashLocation = {
  locationId: 1,
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  laborTargetBp: 2500,
  day: {
    netSalesCents: 612000,
    laborCostCents: 170550,
    overtimePremiumCents: 4500,
    overtimeMinutes: 180,
    paidLaborSeconds: 388800,
    laborPctBp: 2787,
    splhCents: 5667,
    orderCount: 212,
    punchCount: 14,
  },
  week: {
    startDate: "2026-11-23",
    days: 4,
    netSalesCents: 2104000,
    laborCostCents: 540120,
    laborPctBp: 2567,
  },
  alerts: { over: 1, recovered: 1 },
  syncCorrections: {
    notices: 1,
    ordersMissed: 3,
    punchesMissed: 0,
    breakEditsMissed: 1,
    laborPctBpBefore: 2851,
    laborPctBpAfter: 2787,
  },
  dataQuality: {
    punchesWithoutWage: 1,
    unknownStaff: 0,
    punchesNoSales: false,
    salesNoPunches: false,
  },
  held: [{
    alertId: 117,
    kind: "over",
    level: null,
    heldAt: "2026-11-27T03:20:00Z",
    businessDate: "2026-11-26",
    laborPctBp: 2612,
    laborTargetBp: 2500,
  }],
};

const harbor: FlashLocation = {
  locationId: 2,
  locationName: "Harbor Kitchen",
  timeZone: "America/New_York",
  laborTargetBp: 2800,
  day: {
    netSalesCents: 455000,
    laborCostCents: 113750,
    overtimePremiumCents: 0,
    overtimeMinutes: 0,
    paidLaborSeconds: 297000,
    laborPctBp: 2500,
    splhCents: 5515,
    orderCount: 160,
    punchCount: 11,
  },
  week: {
    startDate: "2026-11-23",
    days: 4,
    netSalesCents: 1820000,
    laborCostCents: 493220,
    laborPctBp: 2710,
  },
  alerts: {},
  syncCorrections: null,
  dataQuality: {
    punchesWithoutWage: 0,
    unknownStaff: 2,
    punchesNoSales: false,
    salesNoPunches: false,
  },
  held: [],
};

/** Thursday Nov 26 at two New York locations, sent Friday 7 AM. */
export const flashSample: FlashFacts = {
  alertId: 120,
  kind: "flash",
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  businessDate: "2026-11-26",
  metricsAsOf: "2026-11-27T12:00:00Z",
  createdAt: "2026-11-27T12:00:00Z",
  details: {
    channel: "slack",
    businessDate: "2026-11-26",
    dueAt: "2026-11-27T12:00:00Z",
    locations: [bistro, harbor],
    totals: { netSalesCents: 1067000, laborCostCents: 284300, laborPctBp: 2664, splhCents: 5601 },
    unmappedEvents: { toast: 0, sevenshifts: 2 },
  },
};
