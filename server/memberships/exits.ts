import { today } from '../calendar';
import { sql } from '../db/sql';
import type { Writer } from '../writes/transaction';

/** Exits (退出) and what they end: shared by exitMembership, activations and dissolution. */

/**
 * Postings of a group touching a campus that leaves it on `on` (an exit, a dissolution: the
 * first day it is no longer a member; see memberOn). A posting needs both campuses in the group
 * for its whole period, so nothing may run on or after `on`:
 * - starting on or after `on`: CANCELLED (it never takes place in the group);
 * - running past `on` (or open-ended): its end date becomes `on` − 1, the last day as a member;
 * - when the exit takes effect (`effective`: its day has come): ACTIVE postings are COMPLETED
 *   and PLANNED ones that never started are CANCELLED.
 * `campusId` null: every posting of the group (dissolution). Returns the changed rows.
 */
export async function endPostings(w: Writer, groupId: string, campusId: string | null, on: string, effective: boolean, reason: string) {
  const touching = campusId === null ? sql`TRUE` : sql`${campusId}::uuid IN (from_campus_id, to_campus_id)`;
  return w.query(sql`UPDATE posting p SET
      status = CASE WHEN p.start_date >= ${on}::date OR (${effective} AND p.status = 'PLANNED') THEN 'CANCELLED'
                    WHEN ${effective} THEN 'COMPLETED' ELSE p.status END,
      cancel_reason = CASE WHEN p.start_date >= ${on}::date OR (${effective} AND p.status = 'PLANNED') THEN ${reason} ELSE p.cancel_reason END,
      end_date = CASE WHEN p.start_date < ${on}::date AND (p.end_date IS NULL OR p.end_date >= ${on}::date) THEN ${on}::date - 1 ELSE p.end_date END,
      updated_at = now()
    WHERE p.group_id = ${groupId}::uuid AND p.status IN ('PLANNED','ACTIVE') AND ${touching}
      AND (${effective} OR p.start_date >= ${on}::date OR p.end_date IS NULL OR p.end_date >= ${on}::date)
    RETURNING p.*`);
}

/**
 * Exits take effect on their date: a membership whose planned exit day has come (left_on ≤
 * today, still ACTIVE) becomes EXITED and its postings end (endPostings). Run, under row locks,
 * by every write that relies on who is a member (caps, one group per campus, exits), for the
 * group or campus it is about, before it looks.
 */
export async function settleDueExits(w: Writer, about: { group?: string; campus?: string }) {
  const whose = about.group ? sql`m.group_id = ${about.group}::uuid` : sql`m.campus_id = ${about.campus!}::uuid`;
  const due = await w.query(sql`UPDATE group_membership m SET status = 'EXITED', updated_at = now()
    FROM campus c WHERE c.id = m.campus_id AND ${whose} AND m.status = 'ACTIVE' AND m.left_on <= ${today(w.ctx.now)}::date
    RETURNING m.*, c.jurisdiction_id AS campus_jurisdiction, (SELECT jurisdiction_id FROM education_group WHERE id = m.group_id) AS g_jurisdiction`);
  for (const { campus_jurisdiction, g_jurisdiction, ...m } of due) {
    const where = [g_jurisdiction, campus_jurisdiction];
    await w.record({ action: 'exitMembership:takesEffect', entityType: 'GroupMembership', entityId: m.id, before: { status: 'ACTIVE' }, after: m, jurisdictionIds: where });
    for (const p of await endPostings(w, m.group_id, m.campus_id, m.left_on, true, 'campus left the group')) {
      await w.record({ action: 'exitMembership:takesEffect', entityType: 'Posting', entityId: p.id, after: p, jurisdictionIds: where });
    }
    await w.reannounceAround({ groups: [m.group_id], campuses: [m.campus_id] });
  }
}
