import { useState } from 'react';
import { Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, errorMessage } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { ApiError } from '../../../lib/api-client';
import { useCurrentProject } from '../../../lib/project-context';
import { useBlocklist, useRegisterBlocked, useRemoveBlocked, type BlocklistFilter } from '../api/blocklist';
import { useAdvertising } from '../api/setup';
import { lines } from './send-result';

const PAGE_SIZES = ['15', '50', '100'];

/**
 * The 080 block list (docs/korean-messaging.md "080 block list"): find under one 080 number with the seed's filters
 * (recipient, request times in project time) and pages, register up to 10 numbers at once, remove one.
 */
export function BlocklistPanel({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const advertising = useAdvertising(project.id);
  const defaultNo = advertising.data?.optOutNumber ?? '';
  const [form, setForm] = useState<{ unsubscribeNo?: string; recipientNo: string; from: string; to: string; pageSize: string }>({
    recipientNo: '',
    from: '',
    to: '',
    pageSize: '15',
  });
  const [filter, setFilter] = useState<BlocklistFilter | undefined>(undefined);
  const unsubscribeNo = form.unsubscribeNo ?? defaultNo;
  const active = filter ?? (defaultNo ? { unsubscribeNo: defaultNo, page: 1, pageSize: 15 } : undefined);
  const list = useBlocklist(project.id, active);
  const remove = useRemoveBlocked(project.id);

  const find = (e: React.FormEvent) => {
    e.preventDefault();
    setFilter({
      unsubscribeNo,
      ...(form.recipientNo ? { recipientNo: form.recipientNo } : {}),
      ...(form.from ? { from: form.from } : {}),
      ...(form.to ? { to: form.to } : {}),
      page: 1,
      pageSize: Number(form.pageSize),
    });
  };
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.totalCount / data.pageSize)) : 1;
  const goTo = (page: number) => active && setFilter({ ...active, page });
  const zone = project.timezone;

  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('messaging.blocklist.help')}
      </Text>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('messaging.blocklist.find')}
        </Title>
        <form onSubmit={find} noValidate aria-label={t('messaging.blocklist.find')}>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
            <TextInput
              label={t('messaging.blocklist.unsubscribeNo')}
              value={unsubscribeNo}
              onChange={(e) => setForm({ ...form, unsubscribeNo: e.currentTarget.value })}
              required
            />
            <TextInput
              label={t('messaging.blocklist.recipientNo')}
              value={form.recipientNo}
              onChange={(e) => setForm({ ...form, recipientNo: e.currentTarget.value })}
            />
            <TextInput
              label={t('messaging.blocklist.from')}
              description={t('messaging.blocklist.dateHint', { zone })}
              placeholder="2026-01-01 00:00:00"
              value={form.from}
              onChange={(e) => setForm({ ...form, from: e.currentTarget.value })}
            />
            <TextInput
              label={t('messaging.blocklist.to')}
              description={t('messaging.blocklist.dateHint', { zone })}
              placeholder="2026-12-31 23:59:59"
              value={form.to}
              onChange={(e) => setForm({ ...form, to: e.currentTarget.value })}
            />
            <Select
              label={t('messaging.blocklist.pageSize')}
              data={PAGE_SIZES}
              value={form.pageSize}
              onChange={(v) => setForm({ ...form, pageSize: v ?? '15' })}
              allowDeselect={false}
            />
          </SimpleGrid>
          <Group mt="sm">
            <Button type="submit" disabled={!unsubscribeNo}>
              {t('messaging.blocklist.search')}
            </Button>
          </Group>
        </form>
        {list.error && (
          <div style={{ marginTop: 12 }}>
            <ErrorAlert error={list.error} />
          </div>
        )}
        {remove.error && (
          <div style={{ marginTop: 12 }}>
            <ErrorAlert error={remove.error} />
          </div>
        )}
        {data && !list.error && (
          <>
            <Text size="sm" mt="md" aria-live="polite" data-testid="blocklist-summary">
              {t('messaging.blocklist.results', { total: data.totalCount, page: data.page, pages })}
            </Text>
            {data.entries.length === 0 ? (
              <Text c="dimmed" size="sm" mt="xs">
                {t('messaging.blocklist.none')}
              </Text>
            ) : (
              <Table mt="xs" striped aria-label={t('messaging.tabs.blocklist')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('messaging.blocklist.unsubscribeNo')}</Table.Th>
                    <Table.Th>{t('messaging.blocklist.recipientNo')}</Table.Th>
                    <Table.Th>{t('messaging.blocklist.requestedAt')}</Table.Th>
                    {canEdit && <Table.Th>{t('common.actions')}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.entries.map((e) => (
                    <Table.Tr key={`${e.unsubscribeNo}:${e.recipientNo}`}>
                      <Table.Td>{e.unsubscribeNo}</Table.Td>
                      <Table.Td>{e.recipientNo}</Table.Td>
                      <Table.Td>
                        <Time value={e.requestedAt} />
                      </Table.Td>
                      {canEdit && (
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={t('messaging.blocklist.removeNamed', { number: e.recipientNo })}
                            loading={remove.isPending && remove.variables?.recipientNo === e.recipientNo}
                            onClick={() =>
                              remove.mutate(
                                { unsubscribeNo: e.unsubscribeNo, recipientNo: e.recipientNo },
                                {
                                  onSuccess: () =>
                                    notifications.show({
                                      color: 'green',
                                      message: t('messaging.blocklist.removed', { number: e.recipientNo, unsubscribeNo: e.unsubscribeNo }),
                                    }),
                                },
                              )
                            }
                          >
                            {t('messaging.blocklist.remove')}
                          </Button>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Group justify="flex-end" mt="sm" gap="xs">
              <Button variant="default" size="xs" disabled={data.page <= 1} onClick={() => goTo(data.page - 1)}>
                {t('common.previous')}
              </Button>
              <Button variant="default" size="xs" disabled={data.page >= pages} onClick={() => goTo(data.page + 1)}>
                {t('common.next')}
              </Button>
            </Group>
          </>
        )}
      </Card>
      {canEdit && <RegisterForm defaultNo={unsubscribeNo} />}
    </Stack>
  );
}

function RegisterForm({ defaultNo }: { defaultNo: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const register = useRegisterBlocked(project.id);
  const [unsubscribeNo, setUnsubscribeNo] = useState<string | undefined>(undefined);
  const [numbers, setNumbers] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const given = lines(numbers);
  const no = unsubscribeNo ?? defaultNo;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (given.length > 10) return setLocal(t('messaging.blocklist.tooMany', { count: given.length }));
    setLocal(null);
    register.mutate(
      { unsubscribeNo: no, recipientNos: given },
      {
        onSuccess: (r) => {
          notifications.show({ color: 'green', message: t('messaging.blocklist.registered', { added: r.added, count: given.length }) });
          setNumbers('');
        },
      },
    );
  };
  // A refused number is named by its index in the list: say which line it is.
  const err = register.error;
  const at = err instanceof ApiError ? /^recipientNos\[(\d+)\]$/.exec(err.field ?? '') : null;
  const numbersError = local ?? (at ? t('messaging.blocklist.line', { line: Number(at[1]) + 1, message: errorMessage(err) }) : undefined);

  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('messaging.blocklist.register')}
      </Title>
      <form onSubmit={submit} noValidate aria-label={t('messaging.blocklist.register')}>
        <Stack maw={520}>
          <TextInput label={t('messaging.blocklist.unsubscribeNo')} value={no} onChange={(e) => setUnsubscribeNo(e.currentTarget.value)} required />
          <Textarea
            label={t('messaging.blocklist.numbers')}
            description={t('messaging.blocklist.numbersHint')}
            autosize
            minRows={3}
            maxRows={10}
            value={numbers}
            error={numbersError}
            onChange={(e) => setNumbers(e.currentTarget.value)}
          />
          {err && !at && !local && <ErrorAlert error={err} />}
          <Group>
            <Button type="submit" disabled={!no || given.length === 0} loading={register.isPending}>
              {t('messaging.blocklist.registerSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
