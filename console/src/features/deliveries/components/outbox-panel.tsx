import { useState } from 'react';
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useAlimtalkTemplates, useOutbox } from '../api/list-outbox';
import { MessagePreview } from './message-preview';

/**
 * The sandbox outbox: each message as its recipient would see it, newest first, filtered by campaign. "Older" asks
 * for the next page (the API's `next` cursor: nothing recorded in the same millisecond is skipped).
 */
export function OutboxPanel() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const [campaign, setCampaign] = useState('');
  const [filter, setFilter] = useState<{ campaignId?: string; cursor?: string }>({});
  const q = useOutbox(project.id, filter);
  const templates = useAlimtalkTemplates(project.id);
  const buttonsOf = (code: string) => templates.data?.find((x) => x.templateCode === code)?.buttons;
  const entries = q.data?.outbox ?? [];
  const next = q.data?.next ?? null;
  return (
    <Stack>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ campaignId: campaign.trim() || undefined });
        }}
      >
        <Group align="flex-end">
          <TextInput label={t('deliveries.outbox.campaign')} value={campaign} onChange={(e) => setCampaign(e.currentTarget.value)} />
          <Button type="submit">{t('deliveries.outbox.filter')}</Button>
        </Group>
      </form>
      <QueryState isPending={q.isPending} error={q.error} empty={entries.length === 0} emptyText={t('deliveries.outbox.empty')}>
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
          {entries.map((e) => (
            <Card withBorder key={e.id} component="article" aria-label={`${e.channel} · ${e.recipient}`} data-outbox={e.id} data-channel={e.channel}>
              <Group justify="space-between" mb="xs" wrap="nowrap">
                <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                  {t('deliveries.outbox.to', { recipient: e.recipient })}
                </Text>
                <Badge color={e.state === 'delivered' ? 'teal' : 'red'} variant="light">
                  {t(`deliveries.outbox.${e.state}`)}
                </Badge>
              </Group>
              <MessagePreview channel={e.channel} message={e.message} recipient={e.recipient} kakaoButtons={buttonsOf} />
              <Stack gap={2} mt="xs">
                {e.last_error && (
                  <Text size="xs" c="red.8">
                    {t('deliveries.outbox.lastError', { error: e.last_error })}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  <Time value={e.created_at} /> · {t('deliveries.outbox.calls', { n: e.calls })}
                  {e.campaign_id && (
                    <>
                      {' · '}
                      <Anchor component={Link} to={`/p/${project.id}/campaigns/${encodeURIComponent(e.campaign_id)}/deliveries`} size="xs" ff="monospace">
                        {e.campaign_id}
                      </Anchor>
                    </>
                  )}
                </Text>
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
        <Group justify="flex-end">
          {filter.cursor && (
            <Button variant="default" size="xs" onClick={() => setFilter({ campaignId: filter.campaignId })}>
              {t('deliveries.outbox.newest')}
            </Button>
          )}
          <Button variant="default" size="xs" disabled={!next} onClick={() => next && setFilter({ ...filter, cursor: next })}>
            {t('deliveries.outbox.older')}
          </Button>
        </Group>
      </QueryState>
    </Stack>
  );
}
