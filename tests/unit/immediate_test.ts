/**
 * The functions' fast setImmediate (supabase/functions/_shared/immediate.ts): Node's contract
 * (order, arguments, clearImmediate) without waiting for a timer, and no starvation. The effect
 * on the edge runtime's Deno is pinned in tests/fault/driver_restart_test.ts.
 */
import assert from "node:assert/strict";
import {
  fastImmediate,
  type ImmediateFunctions,
} from "../../supabase/functions/_shared/immediate.ts";

/** A fallback that only records what was deferred to it, run by hand. */
function recordingFallback() {
  const deferred = new Map<number, () => void>();
  let next = 1;
  const fallback: ImmediateFunctions = {
    setImmediate: (callback, ...args) => {
      const id = next++;
      deferred.set(id, () => callback(...args));
      return id;
    },
    clearImmediate: (handle) => deferred.delete(handle as number),
  };
  return {
    fallback,
    deferred,
    runDeferred: () => {
      const jobs = [...deferred.values()];
      deferred.clear();
      for (const job of jobs) job();
    },
  };
}

Deno.test("immediate: runs after the current code, in order, with its arguments", async () => {
  const { fallback, deferred } = recordingFallback();
  const { setImmediate } = fastImmediate(fallback);
  const seen: string[] = [];
  setImmediate((a: unknown, b: unknown) => seen.push(`first ${a} ${b}`), 1, 2);
  setImmediate(() => seen.push("second"));
  seen.push("sync");
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(seen, ["sync", "first 1 2", "second"]);
  assert.equal(deferred.size, 0, "nothing waited for the runtime's own setImmediate");
});

Deno.test("immediate: before a zero-delay timer set earlier", async () => {
  const { setImmediate } = fastImmediate(recordingFallback().fallback);
  const seen: string[] = [];
  const timerFired = new Promise<void>((resolve) =>
    setTimeout(() => {
      seen.push("timer");
      resolve();
    }, 0)
  );
  setImmediate(() => seen.push("immediate"));
  await timerFired;
  assert.deepEqual(seen, ["immediate", "timer"]);
});

Deno.test("immediate: clearImmediate cancels, also one deferred to the runtime", async () => {
  const { fallback, deferred, runDeferred } = recordingFallback();
  const { setImmediate, clearImmediate } = fastImmediate(fallback);
  const seen: string[] = [];
  const cancelled = setImmediate(() => seen.push("cancelled"));
  setImmediate(() => {
    seen.push("outer");
    const inner = setImmediate(() => seen.push("inner cancelled"));
    clearImmediate(inner);
    setImmediate(() => seen.push("inner"));
  });
  clearImmediate(cancelled);
  clearImmediate(undefined);
  await Promise.resolve();
  assert.deepEqual(seen, ["outer"]);
  assert.equal(deferred.size, 1, "the cancelled inner immediate left the runtime's queue");
  runDeferred();
  assert.deepEqual(seen, ["outer", "inner"]);
});

Deno.test("immediate: one that reschedules itself yields to the event loop", async () => {
  const { fallback, deferred, runDeferred } = recordingFallback();
  const { setImmediate } = fastImmediate(fallback);
  let runs = 0;
  const again = () => {
    runs++;
    if (runs < 3) setImmediate(again);
  };
  setImmediate(again);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assert.equal(runs, 1, "the rescheduled run waits for the next turn");
  assert.equal(deferred.size, 1);
  runDeferred(); // the next turn: its own reschedule is fast again
  assert.equal(runs, 2);
  await Promise.resolve();
  assert.equal(runs, 3);
  assert.equal(deferred.size, 0);
});

Deno.test("immediate: a callback that throws is reported; the others still run", async () => {
  const { setImmediate } = fastImmediate(recordingFallback().fallback);
  const reported: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    reported.push(event.error);
    event.preventDefault();
  };
  globalThis.addEventListener("error", onError);
  try {
    const seen: string[] = [];
    setImmediate(() => {
      throw new Error("boom");
    });
    setImmediate(() => seen.push("after"));
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(seen, ["after"]);
    assert.equal((reported[0] as Error)?.message, "boom");
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});
