import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before
 * it collects again (1 + percent/100), set once at start (main.ts).
 *
 * Left to itself, V8 grows it up to 4× (measured under the benchmark's load: full collections
 * at 160-180 MB with ~50 MB surviving), and the process keeps the pages of that high-water mark
 * (V8 pools them for reuse), so the resident size sat at 310-350 MB under load, with one-off
 * jumps to 500+ MB when a collection ran while much was in flight (README "Memory"). At 150 %
 * (2.5×) it stayed at 235-260 MB in short runs, but a full province run held 307-312 MB through
 * scenario (b); at 100 % (2×) the peak is 209-227 MB, for 0-5 % fewer requests per second
 * (bench:ab against 150 % and 125 %, README "Memory").
 *
 * `HUB_HEAP_GROWING_PERCENT=0` leaves V8's own heuristic. A `--heap-growing-percent` given to
 * node itself wins (node refuses it in NODE_OPTIONS, so it can only come from the command line).
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/** What was applied: the percent, or why none was. */
export type HeapGrowth = { percent: number } | { percent: null; reason: 'v8 default' | 'command line' };

export function applyHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = v8.setFlagsFromString): HeapGrowth {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return { percent: null, reason: 'command line' };
  if (percent <= 0) return { percent: null, reason: 'v8 default' };
  // Read by V8 each time it sets the next limit (heap-controller.cc), so setting it after start takes effect.
  setFlags(`--heap-growing-percent=${percent}`);
  return { percent };
}
