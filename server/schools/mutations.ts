import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Resolver } from 'type-graphql';
import crypto from 'node:crypto';
import { authorize, requireWriter } from '../access/authority';
import { newId } from '../db/ids';
import { join, raw, sql } from '../db/sql';
import type { Context } from '../graphql/context';
import { ProfessionalTitle, SchoolStage, SchoolType, StaffRole, UrbanRural } from '../graphql/enums';
import { badInput, hubError, requireText } from '../graphql/errors';
import { uuidOf } from '../graphql/ids';
import { Staff } from '../staff/entity';
import { decryptPii, encryptPii, isValidNationalId, maskNationalId } from '../staff/pii';
import { processPiiKey } from '../staff/pii-key';
import { write, Writer } from '../writes/transaction';
import { Campus, School } from './entity';
import { recordEnrolment } from './enrolment';
import { schoolYearAt } from '../calendar';

@InputType()
export class UpsertSchoolInput {
  @Field({ description: 'The ten-digit 学校标识码; identifies the school, created when new.' }) code: string;
  @Field() name: string;
  @Field(() => SchoolType) type: SchoolType;
  @Field(() => String, { nullable: true }) typeCode?: string | null;
  @Field({ description: 'The county-level jurisdiction that administers the school.' }) jurisdictionCode: string;
  @Field(() => String, { nullable: true, description: 'The bureau the school answers to (主管/隶属关系), on the line above where it lies (a 市属 school in 五华区: 530100). Left out: kept (a new school: where it lies). Changing it needs a bureau over the current and the new supervisor.' })
  supervisingJurisdictionCode?: string | null;
}

@InputType()
export class UpsertCampusInput {
  @Field() schoolCode: string;
  @Field({ description: 'Identifies the campus within its school; created when new.' }) name: string;
  @Field(() => [SchoolStage], { nullable: true }) stages?: SchoolStage[] | null;
  @Field(() => UrbanRural, { nullable: true }) urbanRural?: UrbanRural | null;
  @Field(() => String, { nullable: true }) jurisdictionCode?: string | null;
  @Field(() => String, { nullable: true }) address?: string | null;
  @Field(() => Int, { nullable: true }) studentCount?: number | null;
  @Field(() => Int, { nullable: true }) classCount?: number | null;
}

@InputType()
export class UpsertStaffInput {
  @Field({ description: "The caller's own stable key for this person, unique within the home school." }) externalId: string;
  @Field(() => ID) homeCampusId: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) nationalId?: string | null;
  @Field(() => StaffRole) role: StaffRole;
  @Field(() => ProfessionalTitle) title: ProfessionalTitle;
  @Field(() => [String]) subjects: string[];
  @Field() backbone: boolean;
  @Field() fullTimeTeacher: boolean;
}

/** Stages a new school's main campus teaches, from its type. */
const STAGES_OF_TYPE: Partial<Record<SchoolType, SchoolStage[]>> = {
  KINDERGARTEN: ['PRESCHOOL'], PRIMARY: ['PRIMARY'], JUNIOR_SECONDARY: ['JUNIOR'], NINE_YEAR: ['PRIMARY', 'JUNIOR'],
  COMPLETE_SECONDARY: ['JUNIOR', 'SENIOR'], SENIOR_SECONDARY: ['SENIOR'], TWELVE_YEAR: ['PRIMARY', 'JUNIOR', 'SENIOR'],
  VOCATIONAL_SECONDARY: ['VOCATIONAL'],
};

/** Only the columns that changed, or null when the row is already as asked (idempotent upserts write nothing). */
function changes(before: Record<string, any> | undefined, wanted: Record<string, unknown>): Record<string, unknown> | null {
  if (!before) return wanted;
  const diff = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v)));
  return Object.keys(diff).length ? diff : null;
}

/**
 * A new row of `wanted` with a fresh id. With `conflict` (a unique key's columns), nothing is
 * written when a row with that key exists, and the answer is undefined.
 */
async function insertRow(w: Writer, table: string, wanted: Record<string, unknown>, conflict?: string): Promise<any | undefined> {
  const all: Record<string, unknown> = { id: newId(), ...wanted };
  const keys = Object.keys(all);
  return w.one(sql`INSERT INTO ${raw(table)} (${raw(keys.join(', '))}) VALUES (${join(keys.map((k) => sql`${all[k]}`), ', ')})
    ${raw(conflict ? `ON CONFLICT (${conflict}) DO NOTHING ` : '')}RETURNING *`);
}

async function upsertRow(w: Writer, table: string, before: Record<string, any> | undefined, wanted: Record<string, unknown>): Promise<{ row: any; changed: boolean }> {
  const diff = changes(before, wanted);
  if (!diff) return { row: before, changed: false };
  if (!before) return { row: await insertRow(w, table, diff), changed: true };
  const sets = Object.keys(diff).map((c) => sql`${raw(c)} = ${diff[c]}`);
  const row = await w.one(sql`UPDATE ${raw(table)} SET ${join(sets, ', ')}, updated_at = now() WHERE id = ${before.id}::uuid RETURNING *`);
  return { row, changed: true };
}

/** ID numbers in the audit trail: masked, with a keyed fingerprint so a replacement shows even when the last four digits agree. */
function auditedNationalId(id: string | null): string | null {
  if (id === null) return null;
  const fingerprint = crypto.createHmac('sha256', processPiiKey()).update(`audit:${id}`).digest('hex').slice(0, 8);
  return `${maskNationalId(id)} #${fingerprint}`;
}

/**
 * The bureau a school answers to (主管/隶属关系, DOMAIN.md "Places"): by default where it lies;
 * otherwise a bureau on the line above that place (a 市属 school in 五华区 answers to 昆明市),
 * never the Ministry. Left out, it is kept, except that a relocation leaves behind a supervisor
 * that no longer lies above the school (or that was its old place): it then follows the school.
 */
async function supervisorOf(w: Writer, code: string | null | undefined, place: { id: string; code: string; name: string }, before: Record<string, any> | undefined): Promise<string> {
  const above = async (id: string) => Boolean(await w.one(sql`SELECT 1 FROM jurisdiction_ancestor WHERE jurisdiction_id = ${place.id}::uuid AND ancestor_id = ${id}::uuid`));
  if (code == null) {
    const kept: string | undefined = before?.supervising_jurisdiction_id;
    return kept && kept !== before!.jurisdiction_id && (await above(kept)) ? kept : place.id;
  }
  const s = await w.one(sql`SELECT id, level FROM jurisdiction WHERE code = ${code}`);
  if (!s) throw badInput('input.supervisingJurisdictionCode', `no jurisdiction ${code}`);
  if (s.level === 'NATION') throw badInput('input.supervisingJurisdictionCode', 'a school answers to a province, city or county bureau, not the Ministry');
  if (!(await above(s.id))) throw badInput('input.supervisingJurisdictionCode', `${code} is not on the line above ${place.name} (${place.code}), where the school lies`);
  return s.id;
}

@Resolver(() => School)
export class SchoolMutations {
  @Mutation(() => School, { description: 'A bureau registers or updates a school in its jurisdiction; a new school gets a main campus named like the school.' })
  upsertSchool(@Arg('input', () => UpsertSchoolInput) input: UpsertSchoolInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const name = requireText('input.name', input.name);
    if (!/^\d{10}$/.test(input.code)) throw badInput('input.code', 'a school identification code (学校标识码) has exactly 10 digits');
    if (input.typeCode != null && !/^\d{3}$/.test(input.typeCode)) throw badInput('input.typeCode', 'typeCode is a three-digit JY/T 1001 code, e.g. 211');
    return write(ctx, async (w) => {
      const j = await w.one(sql`SELECT id, code, name, level FROM jurisdiction WHERE code = ${input.jurisdictionCode}`);
      if (!j || !['COUNTY', 'ZONE', 'CITY'].includes(j.level)) throw badInput('input.jurisdictionCode', `no county-level (or city) jurisdiction ${input.jurisdictionCode}`);
      // Digits 3-4 of the code are the province (2 category + 2 province + 6 sequence).
      if (input.code.slice(2, 4) !== j.code.slice(0, 2)) {
        throw badInput('input.code', `digits 3-4 of the code (${input.code.slice(2, 4)}) must be the province of ${j.name} (${j.code.slice(0, 2)})`);
      }
      await w.lockKey('school', input.code);
      const before = await w.one(sql`SELECT * FROM school WHERE code = ${input.code} FOR UPDATE`);
      const supervisor = await supervisorOf(w, input.supervisingJurisdictionCode, j, before);
      const oldSupervisor: string = before?.supervising_jurisdiction_id ?? j.id;
      const relocated = before && before.jurisdiction_id !== j.id;
      if (relocated) await authorize(w.ctx, 'relocateSchool', { places: { school: before.jurisdiction_id, newPlace: j.id } });
      if (supervisor !== oldSupervisor) {
        await authorize(w.ctx, 'setSchoolSupervisor', { places: { school: j.id, schoolSupervisor: oldSupervisor, newSupervisor: supervisor } });
        // A group's supervisor is its lead school's: it does not change under a live group.
        const leads = before && (await w.one(sql`SELECT g.name FROM education_group g JOIN campus c ON c.id = g.lead_campus_id
          WHERE c.school_id = ${before.id}::uuid AND g.status <> 'DISSOLVED' LIMIT 1`));
        if (leads) throw hubError('CONFLICT', `the school leads ${leads.name}, supervised by its current supervisor: dissolve the group (or keep the supervisor) first`, { field: 'input.supervisingJurisdictionCode' });
      }
      if (!relocated && supervisor === oldSupervisor) await authorize(w.ctx, 'upsertSchool', { places: { school: j.id } });
      // Fields left out keep their value (null clears typeCode), as upsertCampus does.
      const typeCode = input.typeCode === undefined ? before?.type_code ?? null : input.typeCode;
      const { row, changed } = await upsertRow(w, 'school', before, { code: input.code, name, type: input.type, type_code: typeCode, jurisdiction_id: j.id, supervising_jurisdiction_id: supervisor });
      if (changed) {
        await w.record({ action: 'upsertSchool', entityType: 'School', entityId: row.id, before, after: row, jurisdictionIds: [j.id, before?.jurisdiction_id ?? j.id, supervisor, oldSupervisor], naturalKey: row.code });
      }
      if (!before) {
        const campus = await w.one(sql`INSERT INTO campus (id, school_id, name, stages, urban_rural, jurisdiction_id)
          VALUES (${newId()}, ${row.id}, ${name}, ${STAGES_OF_TYPE[input.type] ?? []}::text[], 'URBAN', ${j.id}) RETURNING *`);
        await w.record({ action: 'upsertSchool', entityType: 'Campus', entityId: campus.id, after: campus, jurisdictionIds: [j.id], naturalKey: `${row.code}/${name}` });
      }
      return w.row(School, row);
    });
  }

  @Mutation(() => Campus)
  upsertCampus(@Arg('input', () => UpsertCampusInput) input: UpsertCampusInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const name = requireText('input.name', input.name);
    // Bounds well beyond any campus, so that figures summed over groups and areas stay within Int.
    for (const [f, max] of [['studentCount', 100_000], ['classCount', 5_000]] as const) {
      if (input[f] != null && input[f]! < 0) throw badInput(`input.${f}`, `${f} must not be negative`);
      if (input[f] != null && input[f]! > max) throw badInput(`input.${f}`, `${f} must not exceed ${max}`);
    }
    return write(ctx, async (w) => {
      const school = await w.one(sql`SELECT s.* FROM school s WHERE s.code = ${input.schoolCode}`);
      if (!school) throw badInput('input.schoolCode', `no school ${input.schoolCode}`);
      await w.lockKey('campus', `${school.id}/${name}`);
      const before = await w.one(sql`SELECT * FROM campus WHERE school_id = ${school.id}::uuid AND name = ${name} FOR UPDATE`);
      const current: string = before?.jurisdiction_id ?? school.jurisdiction_id;
      let jurisdictionId = current;
      if (input.jurisdictionCode != null) {
        const j = await w.one(sql`SELECT id FROM jurisdiction WHERE code = ${input.jurisdictionCode} AND level IN ('COUNTY','ZONE')`);
        if (!j) throw badInput('input.jurisdictionCode', `no county-level jurisdiction ${input.jurisdictionCode}`);
        jurisdictionId = j.id;
      }
      // Placing a campus elsewhere than it lies (or than its school, for a new one) is a relocation:
      // it needs a bureau whose jurisdiction holds both places, and that grant alone covers the write
      // (as relocateSchool does for upsertSchool). Asking upsertCampus as well would demand the
      // school's own county bureau, which holds only one of the two places: nobody could relocate.
      if (jurisdictionId !== current) {
        await authorize(w.ctx, 'relocateCampus', { places: { campus: current, newPlace: jurisdictionId } });
        // A member's place decided its admission (its county approved it): it leaves the group
        // first and applies again from where it now lies.
        const member = before && (await w.one(sql`SELECT g.name FROM group_membership m JOIN education_group g ON g.id = m.group_id
          WHERE m.campus_id = ${before.id}::uuid AND m.status = 'ACTIVE'`));
        if (member) {
          throw hubError('POLICY_VIOLATION', `the campus is an active member of ${member.name}: it exits the group before it moves, then applies again`, { field: 'input.jurisdictionCode' });
        }
      } else {
        await authorize(w.ctx, 'upsertCampus', { places: { school: school.jurisdiction_id }, school: school.id });
      }
      const urbanRural = input.urbanRural ?? before?.urban_rural;
      if (!urbanRural) throw badInput('input.urbanRural', 'a new campus needs urbanRural (URBAN, TOWN or RURAL)');
      const wanted = {
        school_id: school.id, name, stages: input.stages ?? before?.stages ?? [], urban_rural: urbanRural, jurisdiction_id: jurisdictionId,
        address: input.address === undefined ? before?.address ?? null : input.address,
        student_count: input.studentCount ?? before?.student_count ?? 0, class_count: input.classCount ?? before?.class_count ?? 0,
      };
      const { row, changed } = await upsertRow(w, 'campus', before, wanted);
      // Counts written are the current school year's enrolment (schools/enrolment.ts); past years keep theirs.
      if (!before || input.studentCount != null || input.classCount != null) {
        await recordEnrolment(w, row.id, schoolYearAt(ctx.now), { students: row.student_count, classes: row.class_count },
          before && { students: before.student_count, classes: before.class_count });
      }
      if (changed) {
        await w.record({ action: 'upsertCampus', entityType: 'Campus', entityId: row.id, before, after: row, jurisdictionIds: [jurisdictionId, current, school.jurisdiction_id], naturalKey: `${school.code}/${name}` });
        // A campus moved: its staff, postings and evaluations change counties with it.
        if (before && jurisdictionId !== current) await w.reannounceAround({ campuses: [row.id] });
      }
      return w.row(Campus, row);
    });
  }

  @Mutation(() => Staff)
  upsertStaff(@Arg('input', () => UpsertStaffInput) input: UpsertStaffInput, @Ctx() ctx: Context) {
    requireWriter(ctx);
    const externalId = requireText('input.externalId', input.externalId, 100);
    const name = requireText('input.name', input.name);
    if (input.nationalId != null && !isValidNationalId(input.nationalId)) {
      throw badInput('input.nationalId', 'an ID number (身份证号) has 17 digits and a check digit (0-9 or X) by GB 11643');
    }
    return write(ctx, async (w) => {
      const campusId = uuidOf(input.homeCampusId, 'Campus');
      const campus = campusId
        // FOR SHARE: a membership change re-announcing this campus's staff waits for this write, or this write for it
        // (feed/audience.ts), so the staff member's audience keys are never computed from a state about to change.
        ? await w.one(sql`SELECT c.*, s.code AS school_code, s.jurisdiction_id AS school_jurisdiction FROM campus c JOIN school s ON s.id = c.school_id
            WHERE c.id = ${campusId}::uuid FOR SHARE OF c`)
        : undefined;
      if (!campus) throw badInput('input.homeCampusId', 'no such campus');
      await authorize(w.ctx, 'upsertStaff', { places: { school: campus.school_jurisdiction }, school: campus.school_id });
      const wantedGiven = (before: Record<string, any> | undefined) => {
        const wanted: Record<string, unknown> = {
          school_id: campus.school_id, home_campus_id: campus.id, external_id: externalId, name, role: input.role, title: input.title,
          subjects: [...new Set(input.subjects.map((s) => s.trim()).filter(Boolean))], backbone: input.backbone, full_time_teacher: input.fullTimeTeacher,
        };
        // The audit trail never holds an ID number, but shows that it changed.
        let nationalIdAudit: { before: string | null; after: string | null } | null = null;
        if (input.nationalId !== undefined) {
          // Compared in clear (each encryption differs), re-encrypted only when it changed.
          const current = before?.national_id_cipher ? decryptPii(before.national_id_cipher, processPiiKey()) : null;
          if (!before || current !== input.nationalId) {
            wanted.national_id_masked = input.nationalId === null ? null : maskNationalId(input.nationalId);
            wanted.national_id_cipher = input.nationalId === null ? null : encryptPii(input.nationalId, processPiiKey());
            nationalIdAudit = { before: auditedNationalId(current), after: auditedNationalId(input.nationalId) };
          }
        }
        return { wanted, nationalIdAudit };
      };
      // A new person is inserted at once; `ON CONFLICT` makes concurrent first upserts of one
      // person take turns (the second waits for the first's commit), and then the second, like
      // any upsert of a known person, locks the row and updates what changed.
      let before: Record<string, any> | undefined;
      let { wanted, nationalIdAudit } = wantedGiven(undefined);
      const inserted = await insertRow(w, 'staff', wanted, 'school_id, external_id');
      if (!inserted) {
        before = await w.one(sql`SELECT * FROM staff WHERE school_id = ${campus.school_id}::uuid AND external_id = ${externalId} FOR UPDATE`);
        ({ wanted, nationalIdAudit } = wantedGiven(before));
      }
      const { row, changed } = inserted ? { row: inserted, changed: true } : await upsertRow(w, 'staff', before, wanted);
      if (changed) {
        await w.record({
          action: 'upsertStaff', entityType: 'Staff', entityId: row.id,
          before: before && { ...before, national_id: nationalIdAudit?.before ?? null },
          after: { ...row, national_id: nationalIdAudit?.after ?? null },
          jurisdictionIds: [campus.jurisdiction_id, campus.school_jurisdiction], naturalKey: `${campus.school_code}/${externalId}`,
        });
      }
      return w.row(Staff, row);
    });
  }
}
