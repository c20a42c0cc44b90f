import { useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  JsonInput,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useChannels, useRemoveChannel, useSetChannel, useTestChannel, type ChannelView } from '../api/channels';
import { CHANNEL_VENDORS, VENDOR_FIELDS, getPath, setPath } from './vendor-fields';

export function ChannelsPanel({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useChannels(project.id);
  const [editing, setEditing] = useState<string | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const remove = useRemoveChannel(project.id);
  return (
    <QueryState isPending={list.isPending} error={list.error}>
      <Stack>
        <Text size="sm" c="dimmed">
          {t('channels.help')}
        </Text>
        {remove.error && <ErrorAlert error={remove.error} />}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {Object.keys(CHANNEL_VENDORS).map((channel) => {
            const c = list.data?.find((x) => x.channel === channel);
            return (
              <Card withBorder key={channel}>
                <Group justify="space-between">
                  <Title order={2} size="h4">
                    {t(`channels.names.${channel as 'email'}`)}
                  </Title>
                  <Badge variant="light" color={c ? (c.readable ? 'green' : 'red') : 'gray'}>
                    {c ? c.vendor : t('channels.sandbox')}
                  </Badge>
                </Group>
                {c ? (
                  <Text size="sm" mt="xs">
                    {t('channels.configuredAt')} <Time value={c.configured_at} />
                    {!c.readable && (
                      <Text span c="red">
                        {' '}
                        · {t('channels.unreadable')}
                      </Text>
                    )}
                  </Text>
                ) : (
                  <Text size="sm" c="dimmed" mt="xs">
                    {t('channels.notConfigured')}
                  </Text>
                )}
                <Group mt="sm" gap="xs">
                  {canEdit && (
                    <Button
                      size="xs"
                      onClick={() => setEditing(channel)}
                      aria-label={t('channels.configureNamed', { channel: t(`channels.names.${channel as 'email'}`) })}
                    >
                      {t('channels.configure')}
                    </Button>
                  )}
                  {canEdit && (
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setTesting(channel)}
                      aria-label={t('channels.testNamed', { channel: t(`channels.names.${channel as 'email'}`) })}
                    >
                      {t('channels.test')}
                    </Button>
                  )}
                  {canEdit && c && (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      loading={remove.isPending && remove.variables === channel}
                      onClick={() => remove.mutate(channel)}
                      aria-label={t('channels.removeNamed', { channel: t(`channels.names.${channel as 'email'}`) })}
                    >
                      {t('channels.remove')}
                    </Button>
                  )}
                </Group>
              </Card>
            );
          })}
        </SimpleGrid>
        <Modal
          opened={editing !== null}
          onClose={() => setEditing(null)}
          title={editing ? t('channels.configureNamed', { channel: t(`channels.names.${editing as 'email'}`) }) : ''}
          size="lg"
        >
          {editing && <VendorForm channel={editing} current={list.data?.find((x) => x.channel === editing)} onDone={() => setEditing(null)} />}
        </Modal>
        <Modal
          opened={testing !== null}
          onClose={() => setTesting(null)}
          title={testing ? t('channels.testNamed', { channel: t(`channels.names.${testing as 'email'}`) }) : ''}
        >
          {testing && <TestForm channel={testing} />}
        </Modal>
      </Stack>
    </QueryState>
  );
}

function VendorForm({ channel, current, onDone }: { channel: string; current?: ChannelView; onDone: () => void }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const set = useSetChannel(project.id);
  const [vendor, setVendor] = useState(current?.vendor ?? CHANNEL_VENDORS[channel][0]);
  const fields = VENDOR_FIELDS[vendor] ?? [];
  const shown = current?.vendor === vendor ? current.config : undefined;
  const [values, setValues] = useState<Record<string, unknown>>(() =>
    Object.fromEntries(
      fields.map((f) => [f.path, f.kind === 'secret' ? '' : (getPath(shown, f.path) ?? (f.kind === 'boolean' ? false : f.kind === 'number' ? '' : ''))]),
    ),
  );
  const [missing, setMissing] = useState<string | null>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const config: Record<string, unknown> = {};
    for (const f of fields) {
      const v = values[f.path];
      if (v === '' || v === undefined || v === null) {
        if (f.required) return setMissing(f.path);
        continue;
      }
      if (f.kind === 'json') {
        try {
          setPath(config, f.path, JSON.parse(String(v)));
        } catch {
          return setMissing(f.path);
        }
      } else setPath(config, f.path, v);
    }
    setMissing(null);
    set.mutate(
      { channel, vendor, config },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: t('channels.saved', { channel: t(`channels.names.${channel as 'email'}`) }) });
          onDone();
        },
      },
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {set.error && <ErrorAlert error={set.error} />}
        <Select
          label={t('channels.vendor')}
          data={CHANNEL_VENDORS[channel]}
          value={vendor}
          allowDeselect={false}
          onChange={(v) => {
            setVendor(v ?? vendor);
            setValues({});
          }}
        />
        <Text size="sm" c="dimmed">
          {t('channels.secretsWriteOnly')}
        </Text>
        {fields.map((f) => {
          const label = f.path;
          const error = missing === f.path ? (f.kind === 'json' ? t('channels.jsonInvalid') : t('channels.required')) : undefined;
          const common = { label, required: f.required, error };
          const key = `${vendor}:${f.path}`;
          const v = values[f.path];
          if (f.kind === 'boolean')
            return <Switch key={key} {...common} checked={v === true} onChange={(e) => setValues({ ...values, [f.path]: e.currentTarget.checked })} />;
          if (f.kind === 'number')
            return <NumberInput key={key} {...common} value={(v as number | '') ?? ''} onChange={(n) => setValues({ ...values, [f.path]: n })} />;
          if (f.kind === 'select')
            return (
              <Select
                key={key}
                {...common}
                data={f.options ?? []}
                value={(v as string) || null}
                onChange={(s) => setValues({ ...values, [f.path]: s ?? '' })}
              />
            );
          if (f.kind === 'json')
            return (
              <JsonInput
                {...common}
                autosize
                minRows={4}
                placeholder={getPath(shown, f.path) !== undefined ? t('channels.setKeep') : undefined}
                value={(v as string) ?? ''}
                onChange={(s) => setValues({ ...values, [f.path]: s })}
              />
            );
          if (f.kind === 'secret')
            return (
              <PasswordInput
                {...common}
                autoComplete="off"
                placeholder={getPath(shown, f.path) !== undefined ? t('channels.setRetype') : undefined}
                value={(v as string) ?? ''}
                onChange={(e) => setValues({ ...values, [f.path]: e.currentTarget.value })}
              />
            );
          return <TextInput key={key} {...common} value={(v as string) ?? ''} onChange={(e) => setValues({ ...values, [f.path]: e.currentTarget.value })} />;
        })}
        <Button type="submit" loading={set.isPending}>
          {t('common.save')}
        </Button>
      </Stack>
    </form>
  );
}

function TestForm({ channel }: { channel: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const test = useTestChannel(project.id);
  const [to, setTo] = useState('');
  const [platform, setPlatform] = useState<'android' | 'ios'>('android');
  const [missing, setMissing] = useState(false);
  const r = test.data;
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setMissing(!to.trim());
        if (to.trim()) test.mutate({ channel, to: to.trim(), ...(channel === 'push' ? { platform } : {}) });
      }}
    >
      <Stack>
        <Text size="sm">{t('channels.testHelp')}</Text>
        {test.error && <ErrorAlert error={test.error} />}
        {r &&
          (r.ok ? (
            <Alert color="green" role="status" title={t('channels.testSent', { vendor: r.vendor })}>
              {r.providerMessageId && <Code>{t('channels.testMessageId', { id: r.providerMessageId })}</Code>}
            </Alert>
          ) : (
            <Alert color="red" role="alert" title={t('channels.testFailedVia', { vendor: r.vendor })}>
              {r.reason ?? t('channels.testFailed')}
            </Alert>
          ))}
        {channel === 'web_push' ? (
          <Textarea
            label={t('channels.testTo')}
            description={t('channels.testToHelp.web_push')}
            required
            autosize
            minRows={3}
            value={to}
            error={missing ? t('channels.required') : undefined}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
        ) : (
          <TextInput
            label={t('channels.testTo')}
            description={t(`channels.testToHelp.${channel as 'email'}`)}
            required
            type={channel === 'email' ? 'email' : 'text'}
            value={to}
            error={missing ? t('channels.required') : undefined}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
        )}
        {channel === 'push' && (
          <Select
            label={t('channels.platform')}
            data={[
              { value: 'android', label: 'Android' },
              { value: 'ios', label: 'iOS' },
            ]}
            value={platform}
            allowDeselect={false}
            onChange={(v) => setPlatform(v === 'ios' ? 'ios' : 'android')}
          />
        )}
        <Button type="submit" loading={test.isPending}>
          {t('channels.sendTest')}
        </Button>
      </Stack>
    </form>
  );
}
