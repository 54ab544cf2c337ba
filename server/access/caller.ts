import { Role } from '../graphql/enums';

/** Who is calling, resolved against the database (anchors as row uuids). */
export interface Caller {
  subject: string;
  role: Role;
  /** BUREAU_ADMIN, ANALYST, VENDOR: the jurisdiction (and everything below it). */
  jurisdictionId: string | null;
  jurisdictionCode: string | null;
  /** GROUP_ADMIN: the group. */
  groupId: string | null;
  /** SCHOOL_ADMIN: the school. */
  schoolId: string | null;
  /** VENDOR: the schools its API client is limited to (empty: every school of the jurisdiction). */
  schoolIds: string[];
  /** EVALUATOR: the cycles it is assigned to. */
  cycleIds: string[];
  /** Exactly the token's `scopes` claim, or the API client's grant: no role implies any. */
  scopes: string[];
  /** Set when the caller is an API client (X-Api-Key). */
  apiClientId: string | null;
  /** An API client that may run only the hub's persisted documents (http/persisted-documents.ts). */
  persistedOnly?: boolean;
}
