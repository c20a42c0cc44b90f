import { useState } from 'react';
import { Badge, Button, Group, Modal, Select, Stack, Table } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Pager, usePager } from '../../../components/pager';
import { EmailField, NewPasswordField, accountRules } from '../../../components/account-fields';
import { useCurrentProject } from '../../../lib/project-context';
import { useCreateUser, useUpdateUser, useUsers, type ConsoleUser, type Role } from '../api/users';

const ROLES: Role[] = ['owner', 'marketer', 'viewer'];

export function UsersPanel({ currentUserId }: { currentUserId: string }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const pager = usePager();
  const users = useUsers(pager.cursor);
  const update = useUpdateUser();
  const [adding, setAdding] = useState(false);
  const roleHere = (u: ConsoleUser) => (u.instanceOwner ? 'owner' : u.roles.find((r) => r.projectId === project.id)?.role);
  const withRole = (u: ConsoleUser, role: Role | null) => [
    ...u.roles.filter((r) => r.projectId !== project.id),
    ...(role ? [{ projectId: project.id, role }] : []),
  ];
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));
  return (
    <Stack>
      <div>
        <Button onClick={() => setAdding(true)}>{t('users.add')}</Button>
      </div>
      {update.error && <ErrorAlert error={update.error} />}
      <QueryState isPending={users.isPending} error={users.error} empty={users.data?.items.length === 0} emptyText={t('users.empty')}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('auth.email')}</Table.Th>
              <Table.Th>{t('users.role')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.data?.items
              .filter((u) => u.instanceOwner || roleHere(u))
              .map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>
                    {u.email}{' '}
                    {u.instanceOwner && (
                      <Badge size="xs" variant="light">
                        {t('users.instanceOwner')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t('users.roleOf', { email: u.email })}
                      data={roleOptions}
                      value={roleHere(u) ?? null}
                      disabled={u.instanceOwner || u.id === currentUserId}
                      allowDeselect={false}
                      onChange={(v) =>
                        v &&
                        update.mutate(
                          { userId: u.id, roles: withRole(u, v as Role) },
                          { onSuccess: () => notifications.show({ color: 'green', message: t('users.updated', { email: u.email }) }) },
                        )
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    {!u.instanceOwner && u.id !== currentUserId && (
                      <Group gap="xs">
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => update.mutate({ userId: u.id, removeRoles: [project.id] })}
                          aria-label={t('users.removeNamed', { email: u.email })}
                        >
                          {t('users.remove')}
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
        <Pager pager={pager} next={users.data?.next} />
      </QueryState>
      <Modal opened={adding} onClose={() => setAdding(false)} title={t('users.add')}>
        <AddUserForm onDone={() => setAdding(false)} />
      </Modal>
    </Stack>
  );
}

function AddUserForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const create = useCreateUser();
  const form = useForm({
    initialValues: { email: '', password: '', role: 'viewer' },
    validate: { email: accountRules(t).email, password: accountRules(t).newPassword },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) =>
        create.mutate({ email: v.email.trim(), password: v.password, roles: [{ projectId: project.id, role: v.role as Role }] }, { onSuccess: onDone }),
      )}
    >
      <Stack>
        {create.error && <ErrorAlert error={create.error} />}
        <EmailField autoComplete="off" {...form.getInputProps('email')} />
        <NewPasswordField label={t('users.initialPassword')} {...form.getInputProps('password')} />
        <Select label={t('users.role')} data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} allowDeselect={false} {...form.getInputProps('role')} />
        <Button type="submit" loading={create.isPending}>
          {t('users.addSubmit')}
        </Button>
      </Stack>
    </form>
  );
}
