// A child process of test/heap-growth.test.ts: the server's heap setting as main.ts applies it
// (from the environment), a live base of ~35 MB, then a churn whose objects live long enough to
// be promoted to the old generation. Prints the old generation's peak after the first full
// collection, against its size after a forced one. Run with --expose-gc and ts-node.
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { readConfig } = require('../../server/config');
const { applyHeapGrowth } = require('../../server/heap-growth');

const applied = applyHeapGrowth(readConfig(process.env).heapGrowingPercent);
const base = [];
for (let i = 0; i < 400; i++) base.push(new Array(10000).fill(i));
global.gc();
const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
const after = old();
let majors = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
const ring = new Array(50000);
let head = 0;
let peak = 0;
const started = Date.now();
(function step() {
  for (let i = 0; i < 20000; i++) ring[head++ % ring.length] = { a: [i, i + 1, i + 2], b: `x${i}` };
  if (majors >= 1) peak = Math.max(peak, old());
  if (majors < 6 && Date.now() - started < 20000) setImmediate(step);
  else console.log(JSON.stringify({ applied, after, peak, majors, keep: base.length }));
})();
