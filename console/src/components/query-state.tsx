import type { ReactNode } from 'react';
import { Alert, Center, Loader, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../lib/api-client';

/** The message a person sees for a failed request: the API's own message, with the field it names. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.field ? `${err.message} (${err.field})` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A failed request as the person should read it: a refused CSRF token and a role that does not allow the action are
 * said in plain words (with the API's own message after them); anything else is the API's message.
 */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  const plain =
    error instanceof ApiError && error.code === 'csrf_token_invalid'
      ? t('common.csrfRefused')
      : error instanceof ApiError && error.status === 403
        ? t('common.forbiddenAction')
        : undefined;
  return (
    <Alert color="red" title={title ?? (plain ? t('common.forbidden') : t('common.error'))} role="alert">
      {plain ? `${plain} (${errorMessage(error)})` : errorMessage(error)}
    </Alert>
  );
}

/** Loading, error and empty states of one query, the same on every page. */
export function QueryState(props: { isPending: boolean; error: unknown; empty?: boolean; emptyText?: string; children: ReactNode }) {
  const { t } = useTranslation();
  if (props.isPending)
    return (
      <Center p="lg" aria-busy="true">
        <Loader role="status" aria-label={t('common.loading')} />
      </Center>
    );
  if (props.error) return <ErrorAlert error={props.error} />;
  if (props.empty)
    return (
      <Text c="dimmed" p="md">
        {props.emptyText ?? t('common.empty')}
      </Text>
    );
  return <>{props.children}</>;
}
