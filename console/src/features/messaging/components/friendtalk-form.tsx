import { useState } from 'react';
import { Alert, Button, Group, Select, Stack, Switch, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useSendFriendtalk } from '../api/direct-sends';
import { useKakaoChannels } from '../api/setup';
import { lines, RecipientsField, SendResultAlert } from './send-result';

/** Kakao friendtalk (docs/korean-messaging.md "POST /messages/kakao-friendtalk"): one text to every recipient. */
export function FriendtalkForm({ canSend }: { canSend: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const channels = useKakaoChannels(project.id);
  const send = useSendFriendtalk(project.id);
  const [channelId, setChannelId] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [advertising, setAdvertising] = useState(false);
  const [recipients, setRecipients] = useState('');
  const [missing, setMissing] = useState(false);
  const chosen = channelId ?? channels.data?.find((c) => c.default)?.channelId ?? null;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const to = lines(recipients);
    if (to.length === 0) return setMissing(true);
    setMissing(false);
    send.mutate({ ...(chosen ? { channelId: chosen } : {}), advertising, recipients: to.map((number) => ({ to: number, text })) });
  };

  if (channels.data?.length === 0)
    return (
      <Alert color="yellow" role="note">
        {t('messaging.friendtalk.noChannels')}
      </Alert>
    );
  return (
    <form onSubmit={submit} noValidate aria-label={t('messaging.kinds.friendtalk')}>
      <Stack maw={640}>
        <Select
          label={t('messaging.friendtalk.channel')}
          data={(channels.data ?? []).map((c) => c.channelId)}
          value={chosen}
          onChange={setChannelId}
          allowDeselect={false}
          disabled={!canSend}
        />
        <Textarea
          label={t('messaging.friendtalk.text')}
          autosize
          minRows={3}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          disabled={!canSend}
        />
        <Switch
          label={t('messaging.friendtalk.advertising')}
          description={t('messaging.friendtalk.advertisingHint')}
          checked={advertising}
          onChange={(e) => setAdvertising(e.currentTarget.checked)}
          disabled={!canSend}
        />
        <RecipientsField value={recipients} onChange={setRecipients} error={missing ? t('messaging.recipientsRequired') : undefined} disabled={!canSend} />
        {send.error && <ErrorAlert error={send.error} />}
        {send.data && <SendResultAlert result={send.data} />}
        <Group>
          <Button type="submit" disabled={!canSend || text.length === 0} loading={send.isPending}>
            {t('messaging.friendtalk.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
