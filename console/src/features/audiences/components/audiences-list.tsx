import { useState } from 'react';
import { Anchor, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { audienceCsvUrl, useAudiences, useDeleteAudience, type Audience } from '../api/audiences';

export function AudiencesList({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const list = useAudiences(project.id);
  const del = useDeleteAudience(project.id);
  const [confirm, setConfirm] = useState<Audience | null>(null);
  return (
    <Stack>
      {canEdit && (
        <div>
          <Button component={Link} to={`/p/${project.id}/audiences/new`}>
            {t('audiences.create')}
          </Button>
        </div>
      )}
      {del.error && <ErrorAlert error={del.error} />}
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.length === 0} emptyText={t('audiences.empty')}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('audiences.name')}</Table.Th>
              <Table.Th>{t('audiences.id')}</Table.Th>
              <Table.Th>{t('audiences.updated')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/p/${project.id}/audiences/${a.id}`}>
                    {a.name}
                  </Anchor>
                  {a.description && (
                    <Text size="xs" c="dimmed">
                      {a.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td ff="monospace">{a.id}</Table.Td>
                <Table.Td>
                  <Time value={a.updatedAt} />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Button
                      size="xs"
                      variant="light"
                      component="a"
                      href={audienceCsvUrl(project.id, a.id)}
                      download={`audience-${a.id}.csv`}
                      aria-label={t('audiences.downloadNamed', { name: a.name })}
                    >
                      {t('audiences.download')}
                    </Button>
                    {canEdit && (
                      <Button size="xs" variant="subtle" color="red" onClick={() => setConfirm(a)} aria-label={t('audiences.deleteNamed', { name: a.name })}>
                        {t('common.delete')}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={t('audiences.deleteNamed', { name: confirm?.name ?? '' })}>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setConfirm(null)}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={del.isPending} onClick={() => confirm && del.mutate(confirm.id, { onSettled: () => setConfirm(null) })}>
            {t('common.delete')}
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
