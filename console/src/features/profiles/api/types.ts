import type { ResponseOf } from '../../../lib/api-client';

/** The answers of the profile routes as the OpenAPI document declares them (src/faces/admin/console-data.schemas.ts). */
export type ProfileDetail = ResponseOf<'/admin/v1/projects/{projectId}/profiles/{profileId}/detail', 'get'>;
export type ProfileSummary = ResponseOf<'/admin/v1/projects/{projectId}/profiles/search', 'get'>['items'][number];
export type DeletionJob = ResponseOf<'/admin/v1/projects/{projectId}/deletion-jobs/{jobId}', 'get'>['job'];

type IdentifierType = ProfileDetail['identifiers'][number]['type'];
/** The search form's choices, in the API's priority order; a type the API adds and this list lacks is a type error. */
export const IDENTIFIER_TYPES = ['external_id', 'email', 'phone', 'kakao_user_id', 'line_user_id', 'device_id'] as const satisfies readonly IdentifierType[];
type Missing = Exclude<IdentifierType, (typeof IDENTIFIER_TYPES)[number]>;
/** Compile-time check only: fails to type-check when the API has an identifier type the list above lacks. */
export type IdentifierTypesComplete = [Missing] extends [never] ? true : { missing: Missing };
const complete: IdentifierTypesComplete = true;
void complete;
