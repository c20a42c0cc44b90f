import { useState } from 'react';
import { Badge, Button, Code, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { SecretsOnce } from '../../../components/secret-once';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useCredentials } from '../api/list-credentials';
import { useReissueCredential } from '../api/reissue-credential';

/** The order kinds are listed in (a kind the server adds is listed after these). */
const ORDER = ['import', 'export', 'api-key', 'access-key', 'secret-key'];

export function CredentialsPanel() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useCredentials(project.id);
  const reissue = useReissueCredential(project.id);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [issued, setIssued] = useState<Record<string, string> | null>(null);
  // How long a reissued credential keeps working, as the server says (14 days).
  const graceDays = list.data?.graceDays ?? 14;
  const credentials = list.data?.credentials ?? [];
  const kinds = [...new Set(credentials.map((c) => c.kind))].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('credentials.help', { days: graceDays })}
      </Text>
      {issued && <SecretsOnce secrets={issued} />}
      {reissue.error && <ErrorAlert error={reissue.error} />}
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.credentials.length === 0} emptyText={t('credentials.empty')}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('credentials.kind')}</Table.Th>
              <Table.Th>{t('credentials.prefix')}</Table.Th>
              <Table.Th>{t('credentials.created')}</Table.Th>
              <Table.Th>{t('credentials.expires')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {kinds.map((kind) =>
              credentials
                .filter((c) => c.kind === kind)
                .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
                .map((c, i) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{kind}</Table.Td>
                    <Table.Td>
                      <Code>{c.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Time value={c.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      {c.state === 'active' ? (
                        <Badge color="green" variant="light">
                          {t('credentials.active')}
                        </Badge>
                      ) : (
                        <Group gap={4}>
                          <Badge color={c.state === 'grace' ? 'yellow' : 'gray'} variant="light">
                            {c.state === 'grace' ? t('credentials.grace') : t('credentials.expired')}
                          </Badge>
                          <Time value={c.expiresAt} />
                        </Group>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {i === 0 && (
                        <Button size="xs" variant="light" onClick={() => setConfirm(kind)} aria-label={t('credentials.reissueKind', { kind })}>
                          {t('credentials.reissue')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                )),
            )}
          </Table.Tbody>
        </Table>
      </QueryState>
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={t('credentials.reissueKind', { kind: confirm ?? '' })}>
        <Stack>
          <Text>{t('credentials.reissueConfirm', { kind: confirm ?? '', days: graceDays })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={reissue.isPending}
              onClick={() =>
                confirm &&
                reissue.mutate(confirm, {
                  onSuccess: (secrets) => {
                    setIssued(secrets);
                    setConfirm(null);
                  },
                  onError: () => setConfirm(null),
                })
              }
            >
              {t('credentials.reissueSubmit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
