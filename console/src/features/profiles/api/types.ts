/** A profile as GET /admin/v1/projects/{projectId}/profiles/{profileId} answers it (fields the server may omit are optional). */
export interface ProfileDetail {
  id: string;
  properties: Record<string, unknown>;
  propertyTimes?: Record<string, number>;
  createdAt: number | string;
  updatedAt: number | string;
  identifiers: { type: string; value: string }[];
  merged?: { profileId: string; mergedAt: number | string }[];
  devices?: { id: string; platform: string; pushToken?: string | null; pushTokenSet?: boolean; updatedAt?: number | string }[];
  consent?: Record<string, boolean>;
  recentEvents?: { id?: string; name: string; occurredAt: number | string; face?: string }[];
  messages?: { id: string; channel: string; status: string; campaignId?: string | null; createdAt: number | string }[];
}
export interface ProfileSummary {
  id: string;
  identifiers?: { type: string; value: string }[];
  updatedAt?: number | string;
  properties?: Record<string, unknown>;
}
export const IDENTIFIER_TYPES = ['external_id', 'email', 'phone', 'kakao_user_id', 'line_user_id', 'device_id'] as const;
export interface DeletionJob {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  requested: number;
  deleted: number;
  counts?: Record<string, number>;
  error: string | null;
}
