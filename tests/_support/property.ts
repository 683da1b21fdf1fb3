/**
 * Seeds for fast-check, so every property test can be replayed: each property names its own
 * default seed (the same cases on every run, so CI never fails on luck), and `FC_SEED` in the
 * environment overrides it for every property at once: `FC_SEED=1234 npm test -- tests/unit`
 * replays a reported run, `FC_SEED=random` explores new cases and prints the seed it drew.
 * fast-check's failure message always carries the seed and the counterexample's path.
 *
 * @module
 */
import type fc from "fast-check";

let announced = false;
let drawn: number | undefined;

/** The `FC_SEED` override, if any (an integer, or a fresh random seed for `random`). */
export function seedOverride(): number | undefined {
  const text = (Deno.env.get("FC_SEED") ?? "").trim();
  if (text === "") return undefined;
  if (text === "random") {
    drawn ??= Math.floor(Math.random() * 2 ** 31);
    if (!announced) {
      announced = true;
      console.log(`fast-check: FC_SEED=random drew seed ${drawn} (replay with FC_SEED=${drawn})`);
    }
    return drawn;
  }
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or 'random'`);
  return seed;
}

/**
 * fast-check parameters with a seed: `FC_SEED` when set, else the property's own `seed`;
 * plus `offset`, for a family of runs that each need a seed of their own (one per category,
 * say), so that under `FC_SEED` they still differ.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { withSeed } from "./property.ts";
 * fc.assert(fc.property(fc.integer(), (n) => n + 0 === n), withSeed({ seed: 42, numRuns: 50 }));
 * ```
 */
export function withSeed<T>(
  params: fc.Parameters<T> & { seed: number },
  offset = 0,
): fc.Parameters<T> {
  return { ...params, seed: (seedOverride() ?? params.seed) + offset };
}
