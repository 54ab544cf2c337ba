import { SchoolYear } from '../calendar';
import { hydrate } from '../db/rows';
import { sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { EvaluationGrade } from '../graphql/enums';
import { bundledResults } from './bundled';
import { EvaluationCycle } from './entity';

const GRADES: EvaluationGrade[] = ['EXCELLENT', 'GOOD', 'FAIR', 'FAIL'];

export interface GradeFigures {
  /** Group grades (考核等次): the official grade where the cycle is published, else the computed one. */
  groups: Array<{ grade: EvaluationGrade; count: number }>;
  /** Published group grades only. */
  published: Array<{ grade: EvaluationGrade; count: number }>;
  /** Campus grades: each campus's score (mean of its SUBMITTED/CONFIRMED totals) by the cycle's thresholds. */
  campuses: Array<{ grade: EvaluationGrade; count: number }>;
}

const counted = (grades: EvaluationGrade[]) => GRADES.map((grade) => ({ grade, count: grades.filter((g) => g === grade).length }));

/**
 * A jurisdiction's grade counts in a school year (DOMAIN.md "Evaluations": counts of group
 * grades, 考核等次; campus grades apart), for many jurisdictions at once:
 * - a group counts where it is supervised (the group lies in S(J)), once: its grade is that of
 *   its bundled result in the year's cycle run by the nearest bureau above it (its supervising
 *   bureau's own cycle when there is one; of one bureau's cycles in a year, the latest created);
 * - that grade is the published one (核定考核等次) once the cycle's results are published, and
 *   the computed one before (so the figure exists before ratification); `published` counts
 *   published grades only; a group without a grade (no composite, not ratified) is not counted;
 * - a campus counts where it lies, once, by the same nearest cycle: its score is the mean of
 *   its SUBMITTED/CONFIRMED evaluations' totals (any evaluator kind), rounded to 2 decimals like
 *   a composite and graded by that cycle's thresholds.
 * Figures are facts: over every evaluation, the same for every caller. A fixed number of
 * statements however many jurisdictions and cycles (bundled results batch per school year).
 */
export async function gradeFigures(ctx: Context, ids: string[], year: SchoolYear): Promise<Map<string, GradeFigures>> {
  const tree = ctx.scope.tree;
  // Cycles that can grade something in these areas: run on the line of the tree through them.
  const lines = [...new Set(ids.flatMap((j) => tree.line(j)))];
  const cycles = (await ctx.db.query(sql`SELECT y.* FROM evaluation_cycle y WHERE y.school_year = ${year.label} AND y.jurisdiction_id = ANY(${lines}::uuid[])`))
    .map((r) => hydrate(ctx.db.ds, EvaluationCycle, r));
  const cycleIds = cycles.map((c) => c.uuid);
  const [results, campusScores] = await Promise.all([
    Promise.all(cycles.map((c) => bundledResults(ctx, c))),
    ctx.db.query(sql`
      SELECT e.cycle_id, e.campus_id, c.jurisdiction_id, avg(e.total_score) AS score FROM evaluation e JOIN campus c ON c.id = e.campus_id
      WHERE e.cycle_id = ANY(${cycleIds}::uuid[]) AND e.target_type = 'CAMPUS' AND e.status IN ('SUBMITTED','CONFIRMED')
      GROUP BY 1, 2, 3`),
  ]);
  const groupIds = [...new Set(results.flat().map((r) => r.groupId))];
  const groupPlace = new Map<string, string>(
    groupIds.length ? (await ctx.db.query(sql`SELECT id, jurisdiction_id FROM education_group WHERE id = ANY(${groupIds}::uuid[])`)).map((g) => [g.id, g.jurisdiction_id]) : [],
  );
  const cycleOf = new Map(cycles.map((c) => [c.uuid, c]));
  // The nearer of two cycles above one target: the one whose bureau lies below the other's
  // (a smaller subtree), then the later created (ids are time-ordered).
  const nearer = (a: EvaluationCycle, b: EvaluationCycle) => {
    const [sa, sb] = [tree.subtree(a.jurisdictionId).length, tree.subtree(b.jurisdictionId).length];
    return sa !== sb ? (sa < sb ? a : b) : a.uuid > b.uuid ? a : b;
  };

  const groupGrade = new Map<string, { place: string; cycle: EvaluationCycle; grade: EvaluationGrade | null; published: EvaluationGrade | null }>();
  cycles.forEach((c, i) => {
    for (const r of results[i]) {
      const had = groupGrade.get(r.groupId);
      if (had && nearer(had.cycle, c) === had.cycle) continue;
      groupGrade.set(r.groupId, { place: groupPlace.get(r.groupId)!, cycle: c, grade: c.publishedAt ? r.publishedGrade : r.grade, published: c.publishedAt ? r.publishedGrade : null });
    }
  });
  const campusGrade = new Map<string, { place: string; cycle: EvaluationCycle; score: number }>();
  for (const s of campusScores) {
    const c = cycleOf.get(s.cycle_id)!;
    const had = campusGrade.get(s.campus_id);
    if (had && nearer(had.cycle, c) === had.cycle) continue;
    campusGrade.set(s.campus_id, { place: s.jurisdiction_id, cycle: c, score: s.score });
  }

  const out = new Map<string, GradeFigures>();
  for (const j of ids) {
    const area = new Set(tree.subtree(j));
    const groups = [...groupGrade.values()].filter((g) => area.has(g.place));
    const campuses = [...campusGrade.values()].filter((c) => area.has(c.place));
    out.set(j, {
      groups: counted(groups.map((g) => g.grade).filter((g): g is EvaluationGrade => g !== null)),
      published: counted(groups.map((g) => g.published).filter((g): g is EvaluationGrade => g !== null)),
      campuses: counted(campuses.map((c) => c.cycle.gradeOf(Math.round(c.score * 100) / 100))),
    });
  }
  return out;
}
