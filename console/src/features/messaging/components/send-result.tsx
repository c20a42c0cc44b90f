import { Alert, Anchor, Text, Textarea } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCurrentProject } from '../../../lib/project-context';
import type { SendResult } from '../api/direct-sends';

/** Phone numbers typed one per line (blank lines ignored); each is checked by the server, which names the one at fault. */
export const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** The recipients box of every send form. */
export function RecipientsField(props: { value: string; onChange: (v: string) => void; error?: string; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <Textarea
      label={t('messaging.recipients')}
      description={t('messaging.recipientsHint')}
      autosize
      minRows={2}
      maxRows={8}
      value={props.value}
      error={props.error}
      disabled={props.disabled}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    />
  );
}

/** What a send answered: how many deliveries were recorded and queued, with a link to them. */
export function SendResultAlert({ result }: { result: SendResult }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const again = result.created === 0 && result.existing > 0;
  return (
    <Alert color="green" role="status" title={again ? t('messaging.sentAgain') : t('messaging.sent', { count: result.created, campaign: result.campaignId })}>
      <Text size="sm">
        {t('messaging.sentDetail', {
          created: result.created,
          queued: result.queued,
          duplicates: result.duplicates,
          unreachable: result.unreachable,
          requestId: result.requestId,
        })}
      </Text>
      <Anchor component={Link} to={`/p/${project.id}/campaigns/${result.campaignId}/deliveries`} size="sm">
        {t('messaging.seeOutbox')}
      </Anchor>
    </Alert>
  );
}
