/**
 * @edu-group-hub/sdk: the typed client of the education-group data hub (集团化办学数据中枢).
 * See README.md.
 */
export { createHubClient, SDK_VERSION } from './client.js';
export type { HubClient, HubClientOptions, OperationMethods, RequestOptions } from './client.js';
export { HubError, isHubError } from './errors.js';
export type { GraphQLErrorEntry, HubErrorCode } from './errors.js';
export { MAX_PAGE } from './paginate.js';
export type { NodeOf, Paginate } from './paginate.js';
export { SYNC_ENTITY_TYPES } from './sync.js';
export type { ChangeInfo, SyncDelete, SyncEntity, SyncEntityType, SyncOptions, SyncResult } from './sync.js';
export type { AnyDocument, DocumentTypeDecoration, MatchedKind, TypedDocumentString } from './document.js';
export type { FetchLike, ResponseLike } from './transport.js';
export * from './generated/operations.js';
export type * from './generated/types.js';
