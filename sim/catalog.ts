/**
 * What the simulated restaurants sell and who works there: menus, tax rates, roles, wages
 * and the day's shift plan. Plain data, no randomness.
 *
 * @module
 */

/** A menu item: name, price in cents, and the menu group it is in. */
export interface MenuItem {
  name: string;
  priceCents: number;
  group: "food" | "drink" | "dessert";
}

/** The menu every simulated location sells (an American bistro). */
export const MENU: readonly MenuItem[] = [
  { name: "Smash Burger", priceCents: 1650, group: "food" },
  { name: "Chicken Sandwich", priceCents: 1525, group: "food" },
  { name: "Caesar Salad", priceCents: 1250, group: "food" },
  { name: "Cobb Salad", priceCents: 1595, group: "food" },
  { name: "Fish Tacos", priceCents: 1775, group: "food" },
  { name: "Rigatoni", priceCents: 2200, group: "food" },
  { name: "Ribeye", priceCents: 3800, group: "food" },
  { name: "Half Chicken", priceCents: 2450, group: "food" },
  { name: "Salmon", priceCents: 2895, group: "food" },
  { name: "Fries", priceCents: 650, group: "food" },
  { name: "Wings", priceCents: 1395, group: "food" },
  { name: "Soup of the Day", priceCents: 875, group: "food" },
  { name: "Soda", priceCents: 300, group: "drink" },
  { name: "Iced Tea", priceCents: 350, group: "drink" },
  { name: "Draft Beer", priceCents: 750, group: "drink" },
  { name: "Glass of Rioja", priceCents: 1300, group: "drink" },
  { name: "Margarita", priceCents: 1200, group: "drink" },
  { name: "Old Fashioned", priceCents: 1450, group: "drink" },
  { name: "Espresso", priceCents: 425, group: "drink" },
  { name: "Tiramisu", priceCents: 900, group: "dessert" },
  { name: "Cheesecake", priceCents: 950, group: "dessert" },
];

/** A location's name, zone and sales tax, by position in the run (cycled past the end). */
export interface LocationSeed {
  name: string;
  timeZone: string;
  /** Sales tax in millionths (88750 = 8.875 %). */
  taxRatePpm: number;
}

/** The locations a run uses, in order. */
export const LOCATION_SEEDS: readonly LocationSeed[] = [
  { name: "Downtown Bistro", timeZone: "America/New_York", taxRatePpm: 88_750 },
  { name: "Lakeside Grill", timeZone: "America/Chicago", taxRatePpm: 102_500 },
  { name: "Harbor Kitchen", timeZone: "America/Los_Angeles", taxRatePpm: 95_000 },
  { name: "Mile High Diner", timeZone: "America/Denver", taxRatePpm: 81_500 },
  { name: "Desert Cantina", timeZone: "America/Phoenix", taxRatePpm: 86_000 },
  { name: "Bayou Supper Club", timeZone: "America/Chicago", taxRatePpm: 94_500 },
];

/** A job on the floor or in the kitchen, with its 7shifts role and department. */
export interface Role {
  name: string;
  roleId: number;
  departmentId: number;
  /** Range of hourly wages in cents. */
  wageCents: readonly [number, number];
}

/** Roles by name. */
export const ROLES = {
  manager: { name: "Manager", roleId: 11, departmentId: 1, wageCents: [2600, 3100] },
  prep: { name: "Prep Cook", roleId: 21, departmentId: 2, wageCents: [1600, 1850] },
  line: { name: "Line Cook", roleId: 22, departmentId: 2, wageCents: [1800, 2250] },
  dish: { name: "Dishwasher", roleId: 23, departmentId: 2, wageCents: [1450, 1600] },
  server: { name: "Server", roleId: 31, departmentId: 3, wageCents: [1100, 1350] },
  bartender: { name: "Bartender", roleId: 32, departmentId: 3, wageCents: [1300, 1550] },
  host: { name: "Host", roleId: 33, departmentId: 3, wageCents: [1250, 1450] },
} as const satisfies Record<string, Role>;

/** A planned shift: role and local start/end in hours after local midnight (may pass 24). */
export interface ShiftPlan {
  role: keyof typeof ROLES;
  start: number;
  end: number;
}

/** The ordinary day's shift plan of a full-service location. */
export const STANDARD_SHIFTS: readonly ShiftPlan[] = [
  { role: "manager", start: 9, end: 17 },
  { role: "manager", start: 15.5, end: 24.75 },
  { role: "prep", start: 8, end: 15.5 },
  { role: "line", start: 10, end: 15.25 },
  { role: "line", start: 15.75, end: 23.5 },
  { role: "line", start: 16.5, end: 22.5 },
  { role: "dish", start: 11, end: 16 },
  { role: "dish", start: 17, end: 24.5 },
  { role: "server", start: 10.75, end: 15.5 },
  { role: "server", start: 11, end: 15 },
  { role: "server", start: 16.5, end: 23 },
  { role: "server", start: 16.75, end: 22.5 },
  { role: "server", start: 17.5, end: 23.25 },
  { role: "bartender", start: 16, end: 25.5 },
  { role: "host", start: 17, end: 22 },
];

/**
 * Relative order volume by local half-hour (index 0 = 00:00-00:30); lunch and dinner peaks,
 * a late bar after midnight (those orders still belong to the business day before).
 */
export const ORDER_INTENSITY: readonly number[] = (() => {
  const w = new Array(48 + 4).fill(0);
  const set = (fromHour: number, toHour: number, weight: number) => {
    for (let h = fromHour * 2; h < toHour * 2; h++) w[h] = weight;
  };
  set(11, 11.5, 3);
  set(11.5, 12, 6);
  set(12, 13.5, 10);
  set(13.5, 14.5, 5);
  set(14.5, 17, 1.5);
  set(17, 18, 5);
  set(18, 20.5, 10);
  set(20.5, 22, 5);
  set(22, 24, 2);
  set(24, 25.5, 0.8);
  return w;
})();
