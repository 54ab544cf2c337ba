/**
 * A memory log for a hub under load, loaded into its process with `--require`:
 *
 *   npm run bench:ab -- --a . --a-env "MEMLOG=/tmp/hub-a.log,NODE_OPTIONS=--require ./bench/memory-sampler.cjs" --only b,c
 *
 * With NODE_OPTIONS set for a whole `npm run bench`, every process it starts loads it: give
 * MEMLOG a `%p` (e.g. MEMLOG=/tmp/mem-%p.log) for one log per process.
 *
 * Every 250 ms one line: time, resident size, V8 heap total and used, external and ArrayBuffer
 * memory (MB). When the resident size grows by more than 60 MB between two samples, a JUMP line
 * with V8's heap spaces follows and /proc/self/smaps is copied beside the log, to tell V8's heap
 * from native memory (README "Memory": one-off jumps of 200-280 MB seen on 2026-12-02).
 */
const fs = require('node:fs');
const v8 = require('node:v8');

// `%p` in MEMLOG is the process id: one log per process when every process of a run loads it.
const log = process.env.MEMLOG && process.env.MEMLOG.replace('%p', String(process.pid));
if (log) {
  const mb = (n) => (n / 1e6).toFixed(1);
  let last = 0;
  setInterval(() => {
    const m = process.memoryUsage();
    fs.appendFileSync(log, `${Date.now()} rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
    if (last && m.rss - last > 60e6) {
      const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name}:${mb(s.space_size)}/${mb(s.space_used_size)}`).join(' ');
      fs.appendFileSync(log, `JUMP ${spaces}\n`);
      try {
        fs.writeFileSync(`${log}.smaps-${Date.now()}`, fs.readFileSync('/proc/self/smaps'));
      } catch {
        /* not Linux */
      }
    }
    last = m.rss;
  }, 250).unref();
}
