import { useState } from 'react';
import { Anchor, Button, Modal, Select, Stack, Table, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { SecretsOnce } from '../../../components/secret-once';
import { formatTime, timeZones } from '../../../lib/time';
import { useProjects } from '../api/list-projects';
import { useCreateProject } from '../api/create-project';

export function ProjectsList({ canCreate }: { canCreate: boolean }) {
  const { t } = useTranslation();
  const projects = useProjects();
  const [open, setOpen] = useState(false);
  return (
    <Stack>
      {canCreate && (
        <div>
          <Button onClick={() => setOpen(true)}>{t('projects.create')}</Button>
        </div>
      )}
      <QueryState isPending={projects.isPending} error={projects.error} empty={projects.data?.length === 0} emptyText={t('projects.empty')}>
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('projects.name')}</Table.Th>
              <Table.Th>{t('projects.id')}</Table.Th>
              <Table.Th>{t('projects.timezone')}</Table.Th>
              <Table.Th>{t('projects.created')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {projects.data?.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/p/${p.id}/overview`}>
                    {p.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{p.id}</Table.Td>
                <Table.Td>{p.timezone}</Table.Td>
                <Table.Td>{formatTime(p.createdAt, p.timezone)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('projects.create')}>
        <CreateProjectForm />
      </Modal>
    </Stack>
  );
}

function CreateProjectForm() {
  const { t } = useTranslation();
  const create = useCreateProject();
  const form = useForm({
    initialValues: { name: '', timezone: 'Asia/Seoul' },
    validate: {
      name: (v) => (v.trim().length === 0 ? t('projects.nameRequired') : v.trim().length > 100 ? t('projects.nameTooLong') : null),
      timezone: (v) => (v ? null : t('projects.timezoneRequired')),
    },
  });
  if (create.data)
    return (
      <Stack>
        <SecretsOnce secrets={create.data.credentials} />
        <Button component={Link} to={`/p/${create.data.project.id}/overview`}>
          {t('projects.open', { name: create.data.project.name })}
        </Button>
      </Stack>
    );
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate({ name: v.name.trim(), timezone: v.timezone }))} noValidate>
      <Stack>
        {create.error && <ErrorAlert error={create.error} />}
        <TextInput label={t('projects.name')} required data-autofocus {...form.getInputProps('name')} />
        <Select label={t('projects.timezone')} data={timeZones()} searchable required {...form.getInputProps('timezone')} />
        <Button type="submit" loading={create.isPending}>
          {t('projects.createSubmit')}
        </Button>
      </Stack>
    </form>
  );
}
