import fs from 'node:fs';
import path from 'node:path';
import { As, startHub, TestHub } from '../test/support/hub';

/** Long-running: polls .review/inbox/*.js (module exporting run(ctx)) and writes .review/outbox/<name>.txt. Stops on .review/inbox/STOP. */
const hubs: Record<string, TestHub> = {};
afterAll(async () => { for (const h of Object.values(hubs)) await h.stop(); });

test('serve', async () => {
  hubs.read = await startHub();
  hubs.write = await startHub({ writes: true });
  fs.writeFileSync('.review/env.json', JSON.stringify({ read: hubs.read.databaseUrl, write: hubs.write.databaseUrl, read_url: hubs.read.url, write_url: hubs.write.url }));
  const inbox = path.resolve('.review/inbox');
  const outbox = path.resolve('.review/outbox');
  fs.mkdirSync(inbox, { recursive: true });
  fs.mkdirSync(outbox, { recursive: true });
  const cmp = (hub: TestHub) => async (who: As, query: string, variables?: any) => {
    const on = await hub.as(who).gql(query, variables);
    process.env.HUB_PREFETCH = '0';
    let off;
    try { off = await hub.as(who).gql(query, variables); } finally { delete process.env.HUB_PREFETCH; }
    const strip = (r: any) => JSON.stringify({ status: r.status, data: r.data, errors: r.errors });
    return { on, off, same: strip(on) === strip(off), onS: strip(on), offS: strip(off) };
  };
  for (;;) {
    if (fs.existsSync(path.join(inbox, 'STOP'))) break;
    for (const f of fs.readdirSync(inbox).filter((f) => f.endsWith('.js'))) {
      const full = path.join(inbox, f);
      let out: string;
      try {
        delete require.cache[full];
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const mod = require(full);
        const r = await mod.run({ hubs, cmp, hub: hubs.read, c: cmp(hubs.read), cw: cmp(hubs.write), env: process.env });
        out = typeof r === 'string' ? r : JSON.stringify(r, null, 1);
      } catch (e: any) {
        out = `THROWN ${e?.stack ?? e}`;
      }
      fs.renameSync(full, full + '.done');
      fs.writeFileSync(path.join(outbox, f.replace(/\.js$/, '.txt')), out);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}, 24 * 3600 * 1000);
