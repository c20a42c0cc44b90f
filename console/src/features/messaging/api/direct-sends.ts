import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { api, type ResponseOf } from '../../../lib/api-client';
import type { paths } from '../../../lib/api-types';

/**
 * Direct sends through the admin API (the same core calls as Notifly's /messages/*): text messages with their live
 * preview, alimtalk and friendtalk. Each send answers the plan: how many deliveries were recorded and queued.
 */
const BASE = '/admin/v1/projects/{projectId}/messaging' as const;
type BodyOf<P extends keyof paths> = paths[P] extends { post: { requestBody?: { content: { 'application/json': infer J } } } } ? J : never;

export type TextMessageInput = BodyOf<`${typeof BASE}/text-messages`>;
export type TextPreviewInput = BodyOf<`${typeof BASE}/text-messages/preview`>;
export type AlimtalkInput = BodyOf<`${typeof BASE}/alimtalk`>;
export type FriendtalkInput = BodyOf<`${typeof BASE}/friendtalk`>;
export type SendResult = ResponseOf<`${typeof BASE}/text-messages`, 'post'>;

/**
 * The text as it would be sent — kind, marked body, carrier bytes and limits, problems — computed by the server with
 * the byte rule and marking the send uses (src/core/messaging/text-size.ts, ad-marking.ts). The previous answer is
 * kept while the next is on its way, so the counter does not flicker while typing.
 */
export const useTextPreview = (projectId: string, input: TextPreviewInput | undefined) =>
  useQuery({
    queryKey: ['projects', projectId, 'messaging', 'text-preview', input],
    queryFn: ({ signal }) => api.post(`${BASE}/text-messages/preview`, { path: { projectId }, body: input!, signal }),
    enabled: input !== undefined,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

export const useSendText = (projectId: string) =>
  useMutation({ mutationFn: (body: TextMessageInput) => api.post(`${BASE}/text-messages`, { path: { projectId }, body }) });

export const useSendAlimtalk = (projectId: string) =>
  useMutation({ mutationFn: (body: AlimtalkInput) => api.post(`${BASE}/alimtalk`, { path: { projectId }, body }) });

export const useSendFriendtalk = (projectId: string) =>
  useMutation({ mutationFn: (body: FriendtalkInput) => api.post(`${BASE}/friendtalk`, { path: { projectId }, body }) });
