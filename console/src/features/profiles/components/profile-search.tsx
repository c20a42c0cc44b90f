import { useState } from 'react';
import { Anchor, Button, Group, SegmentedControl, Select, Stack, Table, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../../components/query-state';
import { Pager, usePager } from '../../../components/pager';
import { Time } from '../../../components/time';
import { useCurrentProject } from '../../../lib/project-context';
import { useFindProfiles, type ProfileQuery } from '../api/find-profiles';
import { IDENTIFIER_TYPES } from '../api/types';

export function ProfileSearch() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const pager = usePager();
  const [query, setQuery] = useState<ProfileQuery | null>(null);
  const form = useForm({
    initialValues: { by: 'identifier', type: 'external_id', property: '', value: '' },
    validate: {
      value: (v) => (v.trim() ? null : t('profiles.valueRequired')),
      property: (v, all) => (all.by === 'property' && !v.trim() ? t('profiles.propertyRequired') : null),
    },
  });
  const q: ProfileQuery | null = query && query.by === 'property' ? { ...query, cursor: pager.cursor } : query;
  const found = useFindProfiles(project.id, q);
  return (
    <Stack>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          pager.reset();
          setQuery(
            v.by === 'identifier' ? { by: 'identifier', type: v.type, value: v.value.trim() } : { by: 'property', property: v.property.trim(), value: v.value },
          );
        })}
      >
        <Group align="flex-end">
          <SegmentedControl
            aria-label={t('profiles.findBy')}
            data={[
              { value: 'identifier', label: t('profiles.byIdentifier') },
              { value: 'property', label: t('profiles.byProperty') },
            ]}
            {...form.getInputProps('by')}
          />
          {form.values.by === 'identifier' ? (
            <Select
              label={t('profiles.identifierType')}
              data={IDENTIFIER_TYPES.map((x) => ({ value: x, label: t(`identifiers.${x}`) }))}
              allowDeselect={false}
              {...form.getInputProps('type')}
            />
          ) : (
            <TextInput label={t('profiles.property')} placeholder="df_gender" {...form.getInputProps('property')} />
          )}
          <TextInput label={t('profiles.value')} {...form.getInputProps('value')} />
          <Button type="submit">{t('profiles.find')}</Button>
        </Group>
      </form>
      {q && (
        <QueryState isPending={found.isPending} error={found.error} empty={found.data?.items.length === 0} emptyText={t('profiles.notFound')}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('profiles.id')}</Table.Th>
                <Table.Th>{t('profiles.identifiers')}</Table.Th>
                <Table.Th>{t('profiles.updated')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {found.data?.items.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/p/${project.id}/profiles/${encodeURIComponent(p.id)}`}>
                      {p.id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{p.identifiers.map((i) => `${i.type}: ${i.value}`).join(', ')}</Table.Td>
                  <Table.Td>
                    <Time value={p.updatedAt} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {q.by === 'property' && <Pager pager={pager} next={found.data?.next} />}
        </QueryState>
      )}
    </Stack>
  );
}
