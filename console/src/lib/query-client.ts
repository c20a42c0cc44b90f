import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';

/** One cache for the whole console: no retries of 4xx answers (they will not change), short staleness. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
    },
    mutations: { retry: false },
  },
});
