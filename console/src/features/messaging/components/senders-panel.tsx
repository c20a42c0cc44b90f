import { useState, type ReactNode } from 'react';
import { Badge, Button, Card, Checkbox, Code, Group, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import {
  useAddAlimtalkTemplate,
  useAddKakaoChannel,
  useAddSenderNumber,
  useAlimtalkTemplates,
  useKakaoChannels,
  useRemoveAlimtalkTemplate,
  useRemoveKakaoChannel,
  useRemoveSenderNumber,
  useSenderNumbers,
} from '../api/setup';

/**
 * What the project sends from (docs/korean-messaging.md "Project setup"): sender numbers and Kakao channels (owners
 * change them: messaging setup), alimtalk templates with their variables and status (owners and marketers).
 */
export function SendersPanel({ canAdmin, canWrite }: { canAdmin: boolean; canWrite: boolean }) {
  return (
    <Stack>
      <SenderNumbers canEdit={canAdmin} />
      <KakaoChannels canEdit={canAdmin} />
      <Templates canEdit={canWrite} />
    </Stack>
  );
}

function Section(props: { title: string; help: string; children: ReactNode }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4">
        {props.title}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {props.help}
      </Text>
      {props.children}
    </Card>
  );
}

const done = (message: string) => notifications.show({ color: 'green', message });

function RemoveButton(props: { name: string; onClick: () => void; loading: boolean }) {
  const { t } = useTranslation();
  return (
    <Button
      size="xs"
      variant="subtle"
      color="red"
      aria-label={t('messaging.senders.removeNamed', { name: props.name })}
      loading={props.loading}
      onClick={props.onClick}
    >
      {t('messaging.senders.remove')}
    </Button>
  );
}

function SenderNumbers({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useSenderNumbers(project.id);
  const add = useAddSenderNumber(project.id);
  const remove = useRemoveSenderNumber(project.id);
  const [number, setNumber] = useState('');
  const [makeDefault, setMakeDefault] = useState(false);
  return (
    <Section title={t('messaging.senders.numbers')} help={t('messaging.senders.numbersHelp')}>
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.length === 0} emptyText={t('messaging.senders.empty')}>
        <Table aria-label={t('messaging.senders.numbers')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('messaging.senders.number')}</Table.Th>
              <Table.Th>{t('messaging.senders.isDefault')}</Table.Th>
              <Table.Th>{t('messaging.senders.createdAt')}</Table.Th>
              {canEdit && <Table.Th>{t('common.actions')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.map((s) => (
              <Table.Tr key={s.number}>
                <Table.Td>{s.number}</Table.Td>
                <Table.Td>{s.default && <Badge variant="light">{t('messaging.senders.isDefault')}</Badge>}</Table.Td>
                <Table.Td>
                  <Time value={s.createdAt} />
                </Table.Td>
                {canEdit && (
                  <Table.Td>
                    <RemoveButton
                      name={s.number}
                      loading={remove.isPending && remove.variables === s.number}
                      onClick={() => remove.mutate(s.number, { onSuccess: () => done(t('messaging.senders.removed')) })}
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      {remove.error && <ErrorAlert error={remove.error} />}
      {canEdit && (
        <form
          noValidate
          aria-label={t('messaging.senders.addNumber')}
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate(
              { number, default: makeDefault },
              {
                onSuccess: () => {
                  setNumber('');
                  setMakeDefault(false);
                  done(t('messaging.senders.saved'));
                },
              },
            );
          }}
        >
          <Group align="flex-end" mt="sm">
            <TextInput label={t('messaging.senders.number')} value={number} onChange={(e) => setNumber(e.currentTarget.value)} />
            <Checkbox label={t('messaging.senders.makeDefault')} checked={makeDefault} onChange={(e) => setMakeDefault(e.currentTarget.checked)} mb={8} />
            <Button type="submit" disabled={!number} loading={add.isPending}>
              {t('messaging.senders.add')}
            </Button>
          </Group>
          {add.error && <ErrorAlert error={add.error} />}
        </form>
      )}
    </Section>
  );
}

function KakaoChannels({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useKakaoChannels(project.id);
  const add = useAddKakaoChannel(project.id);
  const remove = useRemoveKakaoChannel(project.id);
  const [channelId, setChannelId] = useState('');
  const [senderKey, setSenderKey] = useState('');
  return (
    <Section title={t('messaging.senders.channels')} help={t('messaging.senders.channelsHelp')}>
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.length === 0} emptyText={t('messaging.senders.empty')}>
        <Table aria-label={t('messaging.senders.channels')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('messaging.senders.channelId')}</Table.Th>
              <Table.Th>{t('messaging.senders.senderKey')}</Table.Th>
              <Table.Th>{t('messaging.senders.isDefault')}</Table.Th>
              <Table.Th>{t('messaging.senders.createdAt')}</Table.Th>
              {canEdit && <Table.Th>{t('common.actions')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.map((c) => (
              <Table.Tr key={c.channelId}>
                <Table.Td>{c.channelId}</Table.Td>
                <Table.Td>
                  <Code>{c.senderKey}</Code>
                </Table.Td>
                <Table.Td>{c.default && <Badge variant="light">{t('messaging.senders.isDefault')}</Badge>}</Table.Td>
                <Table.Td>
                  <Time value={c.createdAt} />
                </Table.Td>
                {canEdit && (
                  <Table.Td>
                    <RemoveButton
                      name={c.channelId}
                      loading={remove.isPending && remove.variables === c.channelId}
                      onClick={() => remove.mutate(c.channelId, { onSuccess: () => done(t('messaging.senders.removed')) })}
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      {remove.error && <ErrorAlert error={remove.error} />}
      {canEdit && (
        <form
          noValidate
          aria-label={t('messaging.senders.addChannel')}
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate(
              { channelId, senderKey, default: false },
              {
                onSuccess: () => {
                  setChannelId('');
                  setSenderKey('');
                  done(t('messaging.senders.saved'));
                },
              },
            );
          }}
        >
          <Group align="flex-end" mt="sm">
            <TextInput label={t('messaging.senders.channelId')} placeholder="@maru" value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)} />
            <TextInput label={t('messaging.senders.senderKey')} value={senderKey} onChange={(e) => setSenderKey(e.currentTarget.value)} />
            <Button type="submit" disabled={!channelId || !senderKey} loading={add.isPending}>
              {t('messaging.senders.addChannel')}
            </Button>
          </Group>
          {add.error && <ErrorAlert error={add.error} />}
        </form>
      )}
    </Section>
  );
}

function Templates({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useAlimtalkTemplates(project.id);
  const channels = useKakaoChannels(project.id);
  const add = useAddAlimtalkTemplate(project.id);
  const remove = useRemoveAlimtalkTemplate(project.id);
  const [draft, setDraft] = useState({ templateId: '', templateCode: '', content: '', channelId: '' });
  return (
    <Section title={t('messaging.senders.templates')} help={t('messaging.senders.templatesHelp')}>
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.length === 0} emptyText={t('messaging.senders.empty')}>
        <Table aria-label={t('messaging.senders.templates')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('messaging.senders.templateId')}</Table.Th>
              <Table.Th>{t('messaging.senders.templateCode')}</Table.Th>
              <Table.Th>{t('messaging.senders.channel')}</Table.Th>
              <Table.Th>{t('messaging.senders.status')}</Table.Th>
              <Table.Th>{t('messaging.senders.variables')}</Table.Th>
              <Table.Th>{t('messaging.senders.content')}</Table.Th>
              {canEdit && <Table.Th>{t('common.actions')}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.map((x) => (
              <Table.Tr key={x.templateId}>
                <Table.Td>{x.templateId}</Table.Td>
                <Table.Td>
                  <Code>{x.templateCode}</Code>
                </Table.Td>
                <Table.Td>{x.sendsFrom ?? '—'}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Badge variant="light" color={x.status === 'ready' ? 'green' : 'red'} style={{ overflow: 'visible' }} miw="max-content">
                    {t(`messaging.senders.statuses.${x.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {x.variables.map((v) => (
                      <Code key={v}>{`#{${v}}`}</Code>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'pre-wrap', maxWidth: 360 }}>{x.content}</Table.Td>
                {canEdit && (
                  <Table.Td>
                    <RemoveButton
                      name={x.templateId}
                      loading={remove.isPending && remove.variables === x.templateId}
                      onClick={() => remove.mutate(x.templateId, { onSuccess: () => done(t('messaging.senders.removed')) })}
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      {remove.error && <ErrorAlert error={remove.error} />}
      {canEdit && (
        <form
          noValidate
          aria-label={t('messaging.senders.addTemplate')}
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate(
              {
                templateId: draft.templateId,
                templateCode: draft.templateCode,
                content: draft.content,
                ...(draft.channelId ? { channelId: draft.channelId } : {}),
              },
              {
                onSuccess: () => {
                  setDraft({ templateId: '', templateCode: '', content: '', channelId: '' });
                  done(t('messaging.senders.saved'));
                },
              },
            );
          }}
        >
          <Stack mt="sm" maw={640} gap="xs">
            <Title order={3} size="h5">
              {t('messaging.senders.addTemplate')}
            </Title>
            <Group grow>
              <TextInput
                label={t('messaging.senders.templateId')}
                value={draft.templateId}
                onChange={(e) => setDraft({ ...draft, templateId: e.currentTarget.value })}
              />
              <TextInput
                label={t('messaging.senders.templateCode')}
                value={draft.templateCode}
                onChange={(e) => setDraft({ ...draft, templateCode: e.currentTarget.value })}
              />
            </Group>
            <Select
              label={t('messaging.senders.channel')}
              data={[
                { value: '', label: t('messaging.senders.channelDefault') },
                ...(channels.data ?? []).map((c) => ({ value: c.channelId, label: c.channelId })),
              ]}
              value={draft.channelId}
              onChange={(v) => setDraft({ ...draft, channelId: v ?? '' })}
              allowDeselect={false}
            />
            <Textarea
              label={t('messaging.senders.content')}
              autosize
              minRows={3}
              value={draft.content}
              onChange={(e) => setDraft({ ...draft, content: e.currentTarget.value })}
            />
            <Group>
              <Button type="submit" disabled={!draft.templateId || !draft.templateCode || !draft.content} loading={add.isPending}>
                {t('messaging.senders.addTemplate')}
              </Button>
            </Group>
            {add.error && <ErrorAlert error={add.error} />}
          </Stack>
        </form>
      )}
    </Section>
  );
}
