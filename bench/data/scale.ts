/**
 * Data-set sizes. Province scale is one whole province (甘肃, 62xxxx: 86 county-level units
 * in 14 cities); city scale is one city of it (兰州, 620100) at about a tenth of the rows.
 */
export interface Scale {
  name: 'province' | 'city';
  /** The division everything lies in (its counties and zones receive the schools). */
  area: string;
  schools: number;
  campuses: number;
  groups: number;
  staff: number;
  postings: number;
  resources: number;
  resourceUses: number;
  /** Rows per change-feed insert: each insert is its own transaction (its own txid), as real writes are. */
  feedChunk: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  province: {
    name: 'province', area: '620000', schools: 10_000, campuses: 15_000, groups: 3_000, staff: 300_000,
    postings: 100_000, resources: 50_000, resourceUses: 100_000, feedChunk: 25_000,
  },
  city: {
    name: 'city', area: '620100', schools: 1_000, campuses: 1_500, groups: 300, staff: 30_000,
    postings: 10_000, resources: 5_000, resourceUses: 10_000, feedChunk: 5_000,
  },
};
