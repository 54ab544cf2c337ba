import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { ProfessionalTitle, StaffRole } from '../graphql/enums';
import { Node, NodeRow } from '../graphql/node';
import { DateTime } from '../graphql/scalars';

@Entity('staff')
@ObjectType({ implements: Node, description: 'A member of staff (教职工).' })
export class Staff extends NodeRow {
  /** Home school (denormalised from the home campus) so externalId is unique per school. */
  @Column('uuid', { name: 'school_id' })
  schoolId: string;

  @Column('uuid', { name: 'home_campus_id' })
  homeCampusId: string;

  /** The MIS vendor's own stable key for this person, unique within the home school. */
  @Field({ description: "The MIS vendor's own key for this person (upsertStaff's externalId), unique within the home school." })
  @Column('text', { name: 'external_id' })
  externalId: string;

  /** Exposed through StaffResolver.name (pseudonymised for analysts). */
  @Column('text')
  name: string;

  /** AES-256-GCM ciphertext of the ID number (see staff/pii.ts); never selected for lists. */
  @Column('bytea', { name: 'national_id_cipher', nullable: true, select: false })
  nationalIdCipher: Buffer | null;

  /** Exposed through StaffResolver.nationalIdMasked (null for analysts). */
  @Column('text', { name: 'national_id_masked', nullable: true })
  nationalIdMasked: string | null;

  @Field(() => StaffRole)
  @Column('text')
  role: StaffRole;

  @Field(() => ProfessionalTitle)
  @Column('text')
  title: ProfessionalTitle;

  @Field(() => [String])
  @Column('text', { array: true })
  subjects: string[];

  @Field({ description: '骨干教师.' })
  @Column('boolean')
  backbone: boolean;

  @Field({ description: '专任教师.' })
  @Column('boolean', { name: 'full_time_teacher' })
  fullTimeTeacher: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Field(() => DateTime)
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
