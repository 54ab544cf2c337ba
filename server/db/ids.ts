import { v5, v7 } from 'uuid';

/** A new row id: UUID v7 (time-ordered, so keyset pages follow creation order). */
export const newId = (): string => v7();

const JURISDICTION_NS = '6f1c2d3e-4b5a-5c6d-8e7f-9a0b1c2d3e4f';

/** Jurisdictions get deterministic ids (v5 of the division code): equal in every database. */
export const jurisdictionId = (code: string): string => v5(`jurisdiction:${code}`, JURISDICTION_NS);
