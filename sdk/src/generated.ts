/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { type GraphQLClient, type RequestOptions } from 'graphql-request';
import gql from 'graphql-tag';
type GraphQLClientRequestHeaders = RequestOptions['requestHeaders'];
export type CampusFilter = {
  /** true: only campuses in an active group; false: only those in none. */
  grouped?: boolean | null | undefined;
  /** Substring of the campus or school name. */
  nameContains?: string | null | undefined;
  schoolTypes?: Array<SchoolType> | null | undefined;
  stages?: Array<SchoolStage> | null | undefined;
  updatedSince?: string | null | undefined;
  urbanRural?: Array<UrbanRural> | null | undefined;
};

export type ChangeOperation =
  | 'DELETE'
  | 'UPSERT';

export type GroupFilter = {
  crossJurisdiction?: boolean | null | undefined;
  modes?: Array<GroupMode> | null | undefined;
  nameContains?: string | null | undefined;
  statuses?: Array<GroupStatus> | null | undefined;
  updatedSince?: string | null | undefined;
};

/** 组建模式 of an education group. */
export type GroupMode =
  /** 联盟型: members keep their legal entity and leadership. */
  | 'ALLIANCE'
  /** 紧密型: one legal entity, one leadership team, several campuses. */
  | 'CLOSE'
  /** 学校发展共同体: urban/strong schools bound to rural/weak schools. */
  | 'COMMUNITY'
  /** 托管型: the lead school manages the members under trusteeship. */
  | 'TRUSTEESHIP'
  /** 职业教育联盟: vocational schools with enterprises and institutes. */
  | 'VOCATIONAL_ALLIANCE';

export type GroupStatus =
  | 'ACTIVE'
  | 'DISSOLVED'
  | 'PROPOSED'
  | 'SUSPENDED';

/** 学段 taught at a campus. */
export type SchoolStage =
  | 'JUNIOR'
  | 'PRESCHOOL'
  | 'PRIMARY'
  | 'SENIOR'
  | 'VOCATIONAL';

/** 办学类型, after the JY/T 1001 school-type families. */
export type SchoolType =
  | 'COMPLETE_SECONDARY'
  | 'JUNIOR_SECONDARY'
  | 'KINDERGARTEN'
  | 'NINE_YEAR'
  | 'OTHER'
  | 'PRIMARY'
  | 'SENIOR_SECONDARY'
  | 'SPECIAL_EDUCATION'
  | 'TWELVE_YEAR'
  | 'VOCATIONAL_SECONDARY';

/** 城乡分类 of a campus's location. */
export type UrbanRural =
  | 'RURAL'
  | 'TOWN'
  | 'URBAN';

export type GroupsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: GroupFilter | null | undefined;
}>;


export type GroupsQuery = { groups: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, mode: GroupMode, status: GroupStatus, updatedAt: string, jurisdiction: { code: string, name: string }, leadCampus: { id: string, name: string, school: { code: string, name: string } }, memberships: { totalCount: number } } }> } };

export type CampusesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: CampusFilter | null | undefined;
}>;


export type CampusesQuery = { campuses: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, stages: Array<SchoolStage>, urbanRural: UrbanRural, studentCount: number, classCount: number, updatedAt: string, school: { code: string, name: string, type: SchoolType }, jurisdiction: { code: string, name: string }, currentGroup: { id: string, name: string } | null } }> } };

export type ChangesQueryVariables = Exact<{
  after?: string | null | undefined;
  first?: number | null | undefined;
  entityTypes?: Array<string> | string | null | undefined;
}>;


export type ChangesQuery = { changes: { endCursor: string | null, hasMore: boolean, changes: Array<{ cursor: string, entityType: string, entityId: string, naturalKey: string | null, operation: ChangeOperation, at: string }> } };


export const GroupsDocument = gql`
    query Groups($first: Int, $after: String, $filter: GroupFilter) {
  groups(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        name
        mode
        status
        jurisdiction {
          code
          name
        }
        leadCampus {
          id
          name
          school {
            code
            name
          }
        }
        memberships(status: [ACTIVE]) {
          totalCount
        }
        updatedAt
      }
    }
  }
}
    `;
export const CampusesDocument = gql`
    query Campuses($first: Int, $after: String, $filter: CampusFilter) {
  campuses(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        name
        stages
        urbanRural
        studentCount
        classCount
        school {
          code
          name
          type
        }
        jurisdiction {
          code
          name
        }
        currentGroup {
          id
          name
        }
        updatedAt
      }
    }
  }
}
    `;
export const ChangesDocument = gql`
    query Changes($after: String, $first: Int, $entityTypes: [String!]) {
  changes(after: $after, first: $first, entityTypes: $entityTypes) {
    endCursor
    hasMore
    changes {
      cursor
      entityType
      entityId
      naturalKey
      operation
      at
    }
  }
}
    `;

export type SdkFunctionWrapper = <T>(action: (requestHeaders?:Record<string, string>) => Promise<T>, operationName: string, operationType?: string, variables?: any) => Promise<T>;


const defaultWrapper: SdkFunctionWrapper = (action, _operationName, _operationType, _variables) => action();

export function getSdk(client: GraphQLClient, withWrapper: SdkFunctionWrapper = defaultWrapper) {
  return {
    Groups(variables?: GroupsQueryVariables, requestHeaders?: GraphQLClientRequestHeaders, signal?: RequestInit['signal']): Promise<GroupsQuery> {
      return withWrapper((wrappedRequestHeaders) => client.request<GroupsQuery>({ document: GroupsDocument, variables, requestHeaders: { ...requestHeaders, ...wrappedRequestHeaders }, signal }), 'Groups', 'query', variables);
    },
    Campuses(variables?: CampusesQueryVariables, requestHeaders?: GraphQLClientRequestHeaders, signal?: RequestInit['signal']): Promise<CampusesQuery> {
      return withWrapper((wrappedRequestHeaders) => client.request<CampusesQuery>({ document: CampusesDocument, variables, requestHeaders: { ...requestHeaders, ...wrappedRequestHeaders }, signal }), 'Campuses', 'query', variables);
    },
    Changes(variables?: ChangesQueryVariables, requestHeaders?: GraphQLClientRequestHeaders, signal?: RequestInit['signal']): Promise<ChangesQuery> {
      return withWrapper((wrappedRequestHeaders) => client.request<ChangesQuery>({ document: ChangesDocument, variables, requestHeaders: { ...requestHeaders, ...wrappedRequestHeaders }, signal }), 'Changes', 'query', variables);
    }
  };
}
export type Sdk = ReturnType<typeof getSdk>;