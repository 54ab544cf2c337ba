import { DataSource } from 'typeorm';
import { Caller } from '../access/caller';
import { Scope } from '../access/scope';
import { today } from '../calendar';
import { Db } from '../db/datasource';
import { Context } from '../graphql/context';
import { JurisdictionDirectory } from '../jurisdictions/directory';
import { write } from '../writes/transaction';
import { settleDueExits } from './exits';

/** Who the audit trail names for exits that take effect by the calendar rather than by a request. */
export const SCHEDULED_EXITS_SUBJECT = 'hub:scheduled-exits';

/**
 * Exits take effect on their date (exits.ts settleDueExits), also when no write touches the
 * group that day: this job settles every membership whose planned exit day has come, each
 * group in a transaction of its own, audited and fed like the request that would have done it.
 * Any replica may run it at the same time as another: settling takes the membership rows'
 * locks and re-checks their status, so each exit takes effect once.
 */
export async function settleAllDueExits(ds: DataSource, now: Date = new Date()): Promise<number> {
  const due: Array<{ group_id: string }> = await ds.query(
    `SELECT DISTINCT group_id FROM group_membership WHERE status = 'ACTIVE' AND left_on <= $1::date`,
    [today(now)],
  );
  if (!due.length) return 0;
  const tree = await JurisdictionDirectory.of(ds);
  const nation = tree.idOf('000000');
  const caller: Caller = {
    subject: SCHEDULED_EXITS_SUBJECT, role: 'BUREAU_ADMIN', jurisdictionId: nation ?? null, jurisdictionCode: '000000',
    groupId: null, schoolId: null, schoolIds: [], cycleIds: [], scopes: [], apiClientId: null,
  };
  const ctx = new Context(new Db(ds), Scope.forCaller(caller, tree), now);
  for (const { group_id } of due) await write(ctx, (w) => settleDueExits(w, { group: group_id }));
  return due.length;
}

/** Settles due exits at start and then every `everyMs` (default 10 minutes), without keeping the process alive. */
export function scheduleDueExits(ds: DataSource, log: (m: string) => void, everyMs = 600_000, now?: () => Date): () => void {
  const run = () => settleAllDueExits(ds, now?.())
    .then((n) => n && log(`memberships: planned exits took effect in ${n} group(s)`))
    .catch((e) => log(`settling due exits failed: ${e}`));
  void run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
