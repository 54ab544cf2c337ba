import { DataSource } from 'typeorm';

/**
 * Change-feed retention (a compacted log): entries older than the window are removed once a
 * newer entry for the same entity exists, and deletion tombstones once they are older than the
 * window. So a reader starting from nothing still receives every live entity, and a reader
 * whose cursor is older than the window answers RESYNC_REQUIRED (it may have missed a
 * tombstone). Any replica may prune: the statement is idempotent.
 */
export function retentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const days = Number(env.HUB_FEED_RETENTION_DAYS ?? 90);
  return Number.isFinite(days) && days > 0 ? days : 90;
}

export async function pruneFeed(ds: DataSource, days = retentionDays()): Promise<number> {
  const [, removed] = await ds.query(
    `DELETE FROM change_event e WHERE e.at < now() - make_interval(days => $1)
       AND (e.operation = 'DELETE' OR EXISTS (SELECT 1 FROM change_event n
            WHERE n.entity_id = e.entity_id AND (n.txid, n.seq) > (e.txid, e.seq)))`,
    [days],
  );
  return Number(removed ?? 0);
}

/** Prunes now and then hourly, without keeping the process alive. */
export function schedulePruning(ds: DataSource, log: (m: string) => void): () => void {
  const run = () => pruneFeed(ds).then((n) => n && log(`change feed: pruned ${n} entries past retention`)).catch((e) => log(`change feed pruning failed: ${e}`));
  void run();
  const timer = setInterval(run, 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
