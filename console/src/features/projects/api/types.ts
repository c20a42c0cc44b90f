import type { ResponseOf } from '../../../lib/api-client';

/** A project as the admin API answers it (GET /admin/v1/projects/{projectId}), typed from the OpenAPI document. */
export type Project = ResponseOf<'/admin/v1/projects/{projectId}', 'get'>['project'];
