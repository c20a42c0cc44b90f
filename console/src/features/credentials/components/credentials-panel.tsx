import { useState } from 'react';
import { Badge, Button, Code, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { SecretsOnce } from '../../../components/secret-once';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useCredentials } from '../api/list-credentials';
import { useReissueCredential } from '../api/reissue-credential';

/** How long a reissued credential's predecessor keeps working (src/core/credentials REISSUE_GRACE_MS). */
export const GRACE_DAYS = 14;
const KINDS = ['import', 'export', 'api-key', 'access-key', 'secret-key'];

export function CredentialsPanel() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useCredentials(project.id);
  const reissue = useReissueCredential(project.id);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [issued, setIssued] = useState<Record<string, string> | null>(null);
  const now = Date.now();
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('credentials.help', { days: GRACE_DAYS })}
      </Text>
      {issued && <SecretsOnce secrets={issued} />}
      {reissue.error && <ErrorAlert error={reissue.error} />}
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.length === 0} emptyText={t('credentials.empty')}>
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
            {KINDS.map((kind) =>
              (list.data ?? [])
                .filter((c) => c.kind === kind)
                .sort((a, b) => Number(new Date(b.created_at)) - Number(new Date(a.created_at)))
                .map((c, i) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{kind}</Table.Td>
                    <Table.Td>
                      <Code>{c.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Time value={c.created_at} />
                    </Table.Td>
                    <Table.Td>
                      {c.expires_at === null ? (
                        <Badge color="green" variant="light">
                          {t('credentials.active')}
                        </Badge>
                      ) : (
                        <Group gap={4}>
                          <Badge color={Number(new Date(c.expires_at)) > now ? 'yellow' : 'gray'} variant="light">
                            {Number(new Date(c.expires_at)) > now ? t('credentials.grace') : t('credentials.expired')}
                          </Badge>
                          <Time value={c.expires_at} />
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
          <Text>{t('credentials.reissueConfirm', { kind: confirm ?? '', days: GRACE_DAYS })}</Text>
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
