import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useSendText, useTextPreview, type TextPreviewInput } from '../api/direct-sends';
import { useSenderNumbers } from '../api/setup';
import { lines, RecipientsField, SendResultAlert } from './send-result';

type Kind = 'auto' | 'sms' | 'lms' | 'mms';

/**
 * The text-message form (docs/korean-messaging.md "POST /messages/text-message"): kind (or by size), sender number,
 * title, body, advertising. The counter and the preview are the server's (`…/text-messages/preview`): the bytes of
 * the text as it will be sent, marking and opt-out line included, counted by the rule the send applies.
 */
export function TextMessageForm({ canSend }: { canSend: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const senders = useSenderNumbers(project.id);
  const send = useSendText(project.id);
  const [kind, setKind] = useState<Kind>('auto');
  const [from, setFrom] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [advertising, setAdvertising] = useState(false);
  const [recipients, setRecipients] = useState('');
  const [missing, setMissing] = useState(false);

  const chosenFrom = from ?? senders.data?.find((s) => s.default)?.number ?? null;
  const input: TextPreviewInput | undefined =
    body.length === 0
      ? undefined
      : {
          body,
          ...(kind !== 'auto' ? { kind } : {}),
          ...(title ? { title } : {}),
          ...(chosenFrom ? { from: chosenFrom } : {}),
          ...(advertising ? { advertising } : {}),
        };
  const [debounced] = useDebouncedValue(input, 150);
  const preview = useTextPreview(project.id, debounced);
  const shown = input === undefined ? undefined : preview.data;
  const titled = kind === 'lms' || kind === 'mms' || (kind === 'auto' && shown?.kind !== 'sms' && shown !== undefined);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const to = lines(recipients);
    if (to.length === 0) return setMissing(true);
    setMissing(false);
    if (!input) return;
    send.mutate({ ...input, recipients: to.map((number) => ({ to: number })) });
  };
  const over = shown ? shown.bytes > shown.limitBytes : false;

  return (
    <form onSubmit={submit} noValidate aria-label={t('messaging.kinds.text')}>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack>
          {senders.data?.length === 0 && (
            <Alert color="yellow" role="note">
              {t('messaging.text.noSender')}
            </Alert>
          )}
          <div>
            <Text size="sm" fw={500} id="text-kind-label" mb={4}>
              {t('messaging.text.kind')}
            </Text>
            <SegmentedControl
              aria-labelledby="text-kind-label"
              value={kind}
              onChange={(v) => setKind(v as Kind)}
              disabled={!canSend}
              data={(['auto', 'sms', 'lms', 'mms'] as const).map((k) => ({ value: k, label: t(`messaging.text.${k}`) }))}
            />
          </div>
          <Select
            label={t('messaging.text.from')}
            data={(senders.data ?? []).map((s) => ({ value: s.number, label: s.default ? t('messaging.text.fromDefault', { number: s.number }) : s.number }))}
            value={chosenFrom}
            onChange={setFrom}
            allowDeselect={false}
            disabled={!canSend}
          />
          {titled && <TextInput label={t('messaging.text.title')} value={title} onChange={(e) => setTitle(e.currentTarget.value)} disabled={!canSend} />}
          <Textarea label={t('messaging.text.body')} autosize minRows={4} value={body} onChange={(e) => setBody(e.currentTarget.value)} disabled={!canSend} />
          <Switch
            label={t('messaging.text.advertising')}
            description={t('messaging.text.advertisingHint')}
            checked={advertising}
            onChange={(e) => setAdvertising(e.currentTarget.checked)}
            disabled={!canSend}
          />
          <RecipientsField value={recipients} onChange={setRecipients} error={missing ? t('messaging.recipientsRequired') : undefined} disabled={!canSend} />
          {send.error && <ErrorAlert error={send.error} />}
          {send.data && <SendResultAlert result={send.data} />}
          <Group>
            <Button type="submit" disabled={!canSend || !input} loading={send.isPending}>
              {t('messaging.text.send')}
            </Button>
          </Group>
        </Stack>
        <Stack gap="xs">
          <Group gap="xs" aria-live="polite" data-testid="text-counter">
            {shown ? (
              <>
                <Badge color={over ? 'red' : 'blue'} variant="light" size="lg">
                  {t('messaging.text.sentAs', { kind: shown.kind.toUpperCase() })}
                </Badge>
                {shown.kindDerived && (
                  <Text size="sm" c="dimmed">
                    {t('messaging.text.derived')}
                  </Text>
                )}
                <Text size="sm" c={over ? 'red.8' : undefined} fw={500}>
                  {t('messaging.text.counter', { bytes: shown.bytes, limit: shown.limitBytes })}
                </Text>
                {shown.titleLimitBytes !== null && shown.titleBytes > 0 && (
                  <Text size="sm">{t('messaging.text.titleCounter', { bytes: shown.titleBytes, limit: shown.titleLimitBytes })}</Text>
                )}
              </>
            ) : (
              <Text size="sm" c="dimmed">
                {t('messaging.text.previewEmpty')}
              </Text>
            )}
          </Group>
          <Paper withBorder radius="lg" p="md" maw={360} bg="gray.0" aria-label={t('messaging.text.preview')} role="figure">
            <Text size="xs" c="dimmed" mb={6}>
              {t('messaging.text.preview')}
            </Text>
            {shown?.title && (
              <Text fw={600} size="sm">
                {shown.title}
              </Text>
            )}
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="text-as-sent">
              {shown?.body ?? ''}
            </Text>
          </Paper>
          {shown?.problems.map((p) => (
            <Text key={`${p.field}:${p.code}`} size="sm" c="red.8" role="alert">
              {p.message}
            </Text>
          ))}
          {preview.error && <ErrorAlert error={preview.error} />}
        </Stack>
      </SimpleGrid>
    </form>
  );
}
