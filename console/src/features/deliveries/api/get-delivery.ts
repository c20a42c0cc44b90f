import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';

/** GET …/deliveries/{deliveryId}: one delivery with its timestamps, provider response, attempts and rendered message. */
export const useDelivery = (projectId: string, deliveryId: string) =>
  useQuery({
    queryKey: ['projects', projectId, 'deliveries', deliveryId],
    queryFn: async () => (await api.get('/admin/v1/projects/{projectId}/deliveries/{deliveryId}', { path: { projectId, deliveryId } })).delivery,
  });
