/**
 * Progress of a delivery run: a bar redrawn in place on a terminal, plain lines (one per
 * tenth) when the output is a file or a pipe.
 *
 * @module
 */
import type { DeliveryTotals } from "./deliver.ts";

/** Where progress goes. */
export interface ProgressSink {
  update(totals: DeliveryTotals, label: string): void;
  /** Ends the bar (a newline on a terminal). */
  done(totals: DeliveryTotals): void;
}

const encoder = new TextEncoder();

function summary(t: DeliveryTotals): string {
  const parts = [`${t.settled}/${t.total} delivered`];
  if (t.retries > 0) parts.push(`${t.retries} retries`);
  if (t.rejected > 0) parts.push(`${t.rejected} rejected`);
  if (t.failed > 0) parts.push(`${t.failed} failed`);
  return parts.join(" · ");
}

/** The bar text for `totals` (pure; `width` cells). */
export function progressBar(totals: DeliveryTotals, width = 30): string {
  const share = totals.total === 0 ? 1 : totals.settled / totals.total;
  const full = Math.round(share * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}] ${
    String(Math.floor(share * 100)).padStart(3)
  }%`;
}

/** A progress sink for `Deno.stdout`: a bar when it is a terminal, lines otherwise. */
export function stdoutProgress(isTerminal = Deno.stdout.isTerminal()): ProgressSink {
  let lastDecile = -1;
  let lastDraw = 0;
  return {
    update(t, label) {
      if (isTerminal) {
        // Redraw at most every 50 ms: a terminal is slower than the deliveries.
        if (Date.now() - lastDraw < 50 && t.settled < t.total) return;
        lastDraw = Date.now();
        const line = `${progressBar(t)} ${summary(t)} ${label}`.slice(0, 150);
        Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${line}`));
        return;
      }
      const decile = t.total === 0 ? 10 : Math.floor((t.settled * 10) / t.total);
      if (decile !== lastDecile) {
        lastDecile = decile;
        console.log(`${String(decile * 10).padStart(3)}% ${summary(t)} ${label}`.trimEnd());
      }
    },
    done(t) {
      if (isTerminal) {
        Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${progressBar(t)} ${summary(t)}\n`));
      }
    },
  };
}

/** A sink that prints nothing (library calls, tests). */
export const silentProgress: ProgressSink = { update() {}, done() {} };
