/** GET /admin/v1/projects/{projectId}/profiles/{profileId}/detail (console-data.routes.ts), until it declares its response schema. */
export interface ProfileDetail {
  profile: { id: string; properties: Record<string, unknown>; createdAt: string; updatedAt: string };
  identifiers: { type: string; value: string; asReceived: string | null; addedAt: string }[];
  mergedProfiles: { profileId: string; mergedAt: string | null }[];
  devices: { deviceId: string; platform: string; pushToken: string | null; webPush: boolean; createdAt: string; updatedAt: string }[];
  consent: Record<string, boolean>;
  recentEvents: { name: string; eventKey: string; occurredAt: string }[];
  messages: { deliveryId: string; campaignId: string | null; channel: string; state: string; createdAt: string }[];
}
export interface ProfileSummary {
  id: string;
  identifiers?: { type: string; value: string }[];
  updatedAt?: string;
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
