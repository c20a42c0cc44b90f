import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, Paper, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useSendAlimtalk } from '../api/direct-sends';
import { useAlimtalkTemplates, useSenderNumbers } from '../api/setup';
import { lines, RecipientsField, SendResultAlert } from './send-result';

/**
 * Kakao alimtalk (docs/korean-messaging.md "POST /messages/kakao-alimtalk"): a registered template, a value for each
 * of its `#{variable}`s (the server lists them), and optional SMS/LMS failover. The same values go to every recipient.
 */
export function AlimtalkForm({ canSend }: { canSend: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const templates = useAlimtalkTemplates(project.id);
  const senders = useSenderNumbers(project.id);
  const send = useSendAlimtalk(project.id);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [failover, setFailover] = useState(false);
  const [failoverContent, setFailoverContent] = useState('');
  const [failoverFrom, setFailoverFrom] = useState<string | null>(null);
  const [recipients, setRecipients] = useState('');
  const [missing, setMissing] = useState(false);

  const template = templates.data?.find((x) => x.templateId === templateId) ?? templates.data?.[0];
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const to = lines(recipients);
    if (to.length === 0) return setMissing(true);
    setMissing(false);
    if (!template) return;
    const parameters = Object.fromEntries(template.variables.map((v) => [v, values[v] ?? '']));
    send.mutate({
      templateId: template.templateId,
      ...(failover && failoverFrom ? { failoverFrom } : {}),
      recipients: to.map((number) => ({
        to: number,
        parameters,
        ...(failover ? { failover: { enabled: true, ...(failoverContent ? { content: failoverContent } : {}) } } : {}),
      })),
    });
  };

  if (templates.data?.length === 0)
    return (
      <Alert color="yellow" role="note">
        {t('messaging.alimtalk.noTemplates')}
      </Alert>
    );
  return (
    <form onSubmit={submit} noValidate aria-label={t('messaging.kinds.alimtalk')}>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack>
          <Select
            label={t('messaging.alimtalk.template')}
            data={(templates.data ?? []).map((x) => ({ value: x.templateId, label: `${x.templateId} (${x.templateCode})` }))}
            value={template?.templateId ?? null}
            onChange={(v) => {
              setTemplateId(v);
              setValues({});
            }}
            allowDeselect={false}
            disabled={!canSend}
          />
          {template?.variables.map((v) => (
            <TextInput
              key={`${template.templateId}:${v}`}
              label={t('messaging.alimtalk.parameter', { variable: `#{${v}}` })}
              value={values[v] ?? ''}
              onChange={(e) => setValues({ ...values, [v]: e.currentTarget.value })}
              disabled={!canSend}
            />
          ))}
          <Switch label={t('messaging.alimtalk.failover')} checked={failover} onChange={(e) => setFailover(e.currentTarget.checked)} disabled={!canSend} />
          {failover && (
            <>
              <Select
                label={t('messaging.alimtalk.failoverFrom')}
                data={(senders.data ?? []).map((s) => ({
                  value: s.number,
                  label: s.default ? t('messaging.text.fromDefault', { number: s.number }) : s.number,
                }))}
                value={failoverFrom ?? senders.data?.find((s) => s.default)?.number ?? null}
                onChange={setFailoverFrom}
                allowDeselect={false}
                disabled={!canSend}
              />
              <Textarea
                label={t('messaging.alimtalk.failoverContent')}
                autosize
                minRows={2}
                value={failoverContent}
                onChange={(e) => setFailoverContent(e.currentTarget.value)}
                disabled={!canSend}
              />
            </>
          )}
          <RecipientsField value={recipients} onChange={setRecipients} error={missing ? t('messaging.recipientsRequired') : undefined} disabled={!canSend} />
          {send.error && <ErrorAlert error={send.error} />}
          {send.data && <SendResultAlert result={send.data} />}
          <Group>
            <Button type="submit" disabled={!canSend || !template} loading={send.isPending}>
              {t('messaging.alimtalk.send')}
            </Button>
          </Group>
        </Stack>
        {template && (
          <Paper
            withBorder
            radius="lg"
            p="md"
            maw={380}
            bg="yellow.0"
            style={{ alignSelf: 'flex-start' }}
            role="figure"
            aria-label={t('messaging.alimtalk.content')}
          >
            <Group justify="space-between" mb={6}>
              <Text size="xs" c="dimmed">
                {t('messaging.alimtalk.content')}
              </Text>
              <Badge variant="light" color={template.status === 'ready' ? 'green' : 'red'}>
                {t(`messaging.senders.statuses.${template.status}`)}
              </Badge>
            </Group>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {template.content}
            </Text>
            <Group gap={4} mt="sm">
              {template.variables.map((v) => (
                <Code key={v}>{`#{${v}}`}</Code>
              ))}
            </Group>
          </Paper>
        )}
      </SimpleGrid>
    </form>
  );
}
