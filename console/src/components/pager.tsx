import { useState } from 'react';
import { Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * Server-side paging with the API's opaque `next` cursor: the current cursor plus the stack of earlier ones, so
 * "previous" goes back without the server counting anything. Reset it when the filters change.
 */
export function usePager() {
  const [stack, setStack] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  return {
    cursor,
    page: stack.length + 1,
    next(nextCursor: string) {
      setStack((s) => [...s, cursor ?? '']);
      setCursor(nextCursor);
    },
    previous() {
      setStack((s) => {
        const copy = [...s];
        const prev = copy.pop();
        setCursor(prev ? prev : undefined);
        return copy;
      });
    },
    reset() {
      setStack([]);
      setCursor(undefined);
    },
  };
}

export function Pager({ pager, next }: { pager: ReturnType<typeof usePager>; next: string | null | undefined }) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" mt="sm" gap="xs">
      <Button variant="default" size="xs" disabled={pager.page === 1} onClick={pager.previous}>
        {t('common.previous')}
      </Button>
      <Button variant="default" size="xs" disabled={!next} onClick={() => next && pager.next(next)}>
        {t('common.next')}
      </Button>
    </Group>
  );
}
