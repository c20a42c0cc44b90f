import { Code, Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Pager, usePager } from '../../../components/pager';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useAudit } from '../api/audit';

export function AuditLog() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const pager = usePager();
  const q = useAudit(project.id, pager.cursor);
  return (
    <QueryState isPending={q.isPending} error={q.error} empty={q.data?.items.length === 0} emptyText={t('audit.empty')}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.time')}</Table.Th>
            <Table.Th>{t('audit.actor')}</Table.Th>
            <Table.Th>{t('audit.action')}</Table.Th>
            <Table.Th>{t('audit.target')}</Table.Th>
            <Table.Th>{t('audit.details')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.data?.items.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>
                <Time value={e.at} />
              </Table.Td>
              <Table.Td>{e.actor.type === 'admin-token' ? t('audit.adminToken') : (e.actor.email ?? e.actor.id)}</Table.Td>
              <Table.Td ff="monospace">{e.action}</Table.Td>
              <Table.Td ff="monospace">{e.target}</Table.Td>
              <Table.Td maw={420}>
                {e.details && Object.keys(e.details).length > 0 ? (
                  <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                    {Object.entries(e.details)
                      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                      .join('\n')}
                  </Code>
                ) : (
                  '—'
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Pager pager={pager} next={q.data?.next} />
    </QueryState>
  );
}
