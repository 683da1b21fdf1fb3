/**
 * 7shifts `user.*` bodies (shared/sevenshifts_users.ts): the fixture normalises to a staff
 * member, `user.deactivated` is inactive, bad fields are named, and messages name staff by first
 * name and last initial unless the company allows full names.
 */
import assert from "node:assert/strict";
import { parseSevenShiftsUserEvent, staffDisplayName } from "../../shared/sevenshifts_users.ts";

const fixture = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/7shifts/user.modified.json", import.meta.url)),
);

Deno.test("7shifts users: the fixture is Avery Quinn of company 7001, active, modified at 12:00 UTC", () => {
  const r = parseSevenShiftsUserEvent("user.modified", fixture);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    userId: 40001,
    companyId: 7001,
    firstName: "Avery",
    lastName: "Quinn",
    active: true,
    modifiedAt: "2026-11-05T12:00:00.000Z",
  });
});

Deno.test("7shifts users: user.deactivated is inactive whatever the body says; names are trimmed, missing is empty", () => {
  const r = parseSevenShiftsUserEvent("user.deactivated", { ...fixture, active: true });
  assert.ok(r.ok && r.value.active === false);
  const bare = parseSevenShiftsUserEvent("user.created", {
    id: 5,
    company_id: 7001,
    first_name: "  Sam ",
    modified: "2026-11-05 12:00:00",
  });
  assert.ok(bare.ok);
  assert.deepEqual([bare.value.firstName, bare.value.lastName, bare.value.active], [
    "Sam",
    "",
    true,
  ]);
});

Deno.test("7shifts users: bad fields are named", () => {
  const r = parseSevenShiftsUserEvent("user.modified", {
    ...fixture,
    id: 0,
    first_name: "x".repeat(101),
    modified: "1950-01-01 00:00:00",
  });
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => p.path).sort(), ["first_name", "id", "modified"]);
});

Deno.test("7shifts users: display names", () => {
  const avery = { firstName: "Avery", lastName: "Quinn" };
  assert.equal(staffDisplayName(40001, avery, false), "Avery Q.");
  assert.equal(staffDisplayName(40001, avery, true), "Avery Quinn");
  assert.equal(staffDisplayName(40001, { firstName: "Avery", lastName: "" }, false), "Avery");
  assert.equal(staffDisplayName(40001, { firstName: "", lastName: "Quinn" }, false), "Q.");
  assert.equal(staffDisplayName(40001, { firstName: "", lastName: "" }, true), "user 40001");
  assert.equal(staffDisplayName(503, null, false), "user 503");
  assert.equal(staffDisplayName(7, { firstName: "Zoë", lastName: "Ødegaard" }, false), "Zoë Ø.");
});

Deno.test("7shifts users: a name Postgres cannot store (NUL, lone surrogate) is refused, naming the field", () => {
  for (const bad of ["Ann\u0000", "Ann\ud83d", "\udc00Ann"]) {
    for (const field of ["first_name", "last_name"]) {
      const r = parseSevenShiftsUserEvent("user.modified", { ...fixture, [field]: bad });
      assert.ok(!r.ok, `${field} ${JSON.stringify(bad)}`);
      assert.deepEqual(r.problems.map((p) => p.path), [field]);
    }
  }
  // A surrogate pair is a character, not a lone half.
  assert.ok(parseSevenShiftsUserEvent("user.modified", { ...fixture, first_name: "Ann 🍕" }).ok);
});
