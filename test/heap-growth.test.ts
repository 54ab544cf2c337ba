import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, readConfig } from '../server/config';
import { applyHeapGrowth, DEFAULT_HEAP_GROWING_PERCENT } from '../server/heap-growth';

/**
 * V8's old-generation growth (server/heap-growth.ts, README "Memory"): set from
 * HUB_HEAP_GROWING_PERCENT at start, and it bounds how far the heap grows past what survives.
 */
const root = path.join(__dirname, '..');

type Churn = { applied: { percent: number | null }; after: number; peak: number; majors: number };
async function churn(env: Record<string, string>): Promise<Churn> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('HUB_HEAP_GROWING_PERCENT' in env)) delete childEnv.HUB_HEAP_GROWING_PERCENT;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', 'test/support/heap-churn.js'], { cwd: root, env: childEnv });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

test('the default lets the old generation grow to well below what V8 left to itself grows it to', async () => {
  const [ours, v8own] = await Promise.all([churn({}), churn({ HUB_HEAP_GROWING_PERCENT: '0' })]);
  expect(ours.applied).toEqual({ percent: DEFAULT_HEAP_GROWING_PERCENT });
  expect(v8own.applied).toEqual({ percent: null, reason: 'v8 default' });
  for (const r of [ours, v8own]) expect(r.majors).toBeGreaterThanOrEqual(2);
  // Growth factor 1 + 100/100 against V8's own (up to 4 on a heap of this size): peaks measured at 0.57-0.61 of V8's own with 150 %.
  expect(ours.peak).toBeLessThan(0.75 * v8own.peak);
}, 90_000);

test('HUB_HEAP_GROWING_PERCENT: a whole percentage, 0 for V8 own; node flags win', () => {
  expect(readConfig({}).heapGrowingPercent).toBe(100);
  expect(readConfig({ HUB_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
  expect(readConfig({ HUB_HEAP_GROWING_PERCENT: '300' }).heapGrowingPercent).toBe(300);
  for (const bad of ['-1', '1.5', 'lots', '1001']) {
    expect(() => readConfig({ HUB_HEAP_GROWING_PERCENT: bad })).toThrow(ConfigError);
    try {
      readConfig({ HUB_HEAP_GROWING_PERCENT: bad });
    } catch (e) {
      expect((e as ConfigError).problems[0]).toMatch(/^HUB_HEAP_GROWING_PERCENT: must be a percentage between 0 and 1000/);
    }
  }
  const set: string[] = [];
  const record = (f: string) => void set.push(f);
  expect(applyHeapGrowth(120, [], record)).toEqual({ percent: 120 });
  expect(applyHeapGrowth(0, [], record)).toEqual({ percent: null, reason: 'v8 default' });
  expect(applyHeapGrowth(120, ['--heap-growing-percent=80'], record)).toEqual({ percent: null, reason: 'command line' });
  expect(applyHeapGrowth(120, ['--heap_growing_percent', '80'], record)).toEqual({ percent: null, reason: 'command line' });
  expect(set).toEqual(['--heap-growing-percent=120']);
});
