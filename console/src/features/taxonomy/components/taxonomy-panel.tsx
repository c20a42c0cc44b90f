import { useState } from 'react';
import { Badge, Button, Group, Modal, SegmentedControl, Select, Stack, Switch, Table, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { Pager, usePager } from '../../../components/pager';
import { useCurrentProject } from '../../../lib/project-context';
import { useTaxonomy, type Scope } from '../api/list-taxonomy';
import { useRegisterEvent, useRegisterProperty } from '../api/register';

/** Property types as the API spells them (src/core/taxonomy/taxonomy.types.ts TYPE_LABELS). */
export const PROPERTY_TYPES = ['String', 'Long', 'Double', 'Boolean', 'Datetime', 'Date', 'Array of String', 'Array of Long', 'Array of Double'];
/** The name rule of the API (src/core/taxonomy/taxonomy.service.ts NAME). */
const NAME = /^[A-Za-z0-9_$][A-Za-z0-9_.$-]{0,127}$/;

export function TaxonomyPanel({
  canEdit,
  strict,
  onStrictChange,
  strictPending,
}: {
  canEdit: boolean;
  strict: boolean;
  onStrictChange: (v: boolean) => void;
  strictPending: boolean;
}) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const [kind, setKind] = useState<'event' | 'property'>('event');
  const [scope, setScope] = useState<Scope | ''>('');
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 250);
  const pager = usePager();
  const list = useTaxonomy(project.id, { kind, scope: scope || undefined, q: debounced || undefined, cursor: pager.cursor });
  const [registering, setRegistering] = useState(false);
  const origin = (o: string) => (
    <Badge variant="light" color={o === 'standard' ? 'gray' : o === 'registered' ? 'blue' : 'grape'}>
      {t(`taxonomy.origin.${o as 'standard'}`)}
    </Badge>
  );
  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <SegmentedControl
            aria-label={t('taxonomy.kind')}
            value={kind}
            onChange={(v) => {
              setKind(v as 'event' | 'property');
              pager.reset();
            }}
            data={[
              { value: 'event', label: t('taxonomy.events') },
              { value: 'property', label: t('taxonomy.properties') },
            ]}
          />
          {kind === 'property' && (
            <Select
              aria-label={t('taxonomy.scope')}
              placeholder={t('taxonomy.allScopes')}
              clearable
              value={scope || null}
              onChange={(v) => {
                setScope((v ?? '') as Scope | '');
                pager.reset();
              }}
              data={(['event', 'item', 'user'] as const).map((s) => ({ value: s, label: t(`taxonomy.scopes.${s}`) }))}
            />
          )}
          <TextInput
            aria-label={t('common.search')}
            placeholder={t('common.search')}
            value={q}
            onChange={(e) => {
              setQ(e.currentTarget.value);
              pager.reset();
            }}
          />
        </Group>
        <Group>
          <Switch
            label={t('taxonomy.strict')}
            checked={strict}
            disabled={!canEdit || strictPending}
            onChange={(e) => onStrictChange(e.currentTarget.checked)}
          />
          {canEdit && <Button onClick={() => setRegistering(true)}>{t('taxonomy.register')}</Button>}
        </Group>
      </Group>
      <QueryState isPending={list.isPending} error={list.error} empty={list.data?.items.length === 0} emptyText={t('taxonomy.empty')}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('taxonomy.name')}</Table.Th>
              {kind === 'property' && <Table.Th>{t('taxonomy.scope')}</Table.Th>}
              {kind === 'property' && <Table.Th>{t('taxonomy.type')}</Table.Th>}
              <Table.Th>{t('taxonomy.originLabel')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data?.items.map((e) => (
              <Table.Tr key={`${e.scope ?? ''}:${e.name}`}>
                <Table.Td ff="monospace">{e.name}</Table.Td>
                {kind === 'property' && <Table.Td>{e.scope && t(`taxonomy.scopes.${e.scope}`)}</Table.Td>}
                {kind === 'property' && <Table.Td>{e.type}</Table.Td>}
                <Table.Td>{origin(e.origin)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Pager pager={pager} next={list.data?.next} />
      </QueryState>
      <Modal opened={registering} onClose={() => setRegistering(false)} title={t('taxonomy.register')}>
        <RegisterForm onDone={() => setRegistering(false)} />
      </Modal>
    </Stack>
  );
}

function RegisterForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const ev = useRegisterEvent(project.id);
  const prop = useRegisterProperty(project.id);
  const form = useForm({
    initialValues: { kind: 'event', scope: 'user', name: '', type: 'String' },
    validate: { name: (v) => (NAME.test(v) ? null : t('taxonomy.nameRule')) },
  });
  const error = ev.error ?? prop.error;
  const done = () => {
    notifications.show({ color: 'green', message: t('taxonomy.registered', { name: form.values.name }) });
    onDone();
  };
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) => {
        if (v.kind === 'event') ev.mutate({ name: v.name }, { onSuccess: done });
        else prop.mutate({ scope: v.scope as Scope, name: v.name, type: v.type }, { onSuccess: done });
      })}
    >
      <Stack>
        {error && <ErrorAlert error={error} title={t('taxonomy.refused')} />}
        <SegmentedControl
          aria-label={t('taxonomy.registerKind')}
          data={[
            { value: 'event', label: t('taxonomy.event') },
            { value: 'property', label: t('taxonomy.property') },
          ]}
          {...form.getInputProps('kind')}
        />
        {form.values.kind === 'property' && (
          <Select
            label={t('taxonomy.scope')}
            data={(['event', 'item', 'user'] as const).map((s) => ({ value: s, label: t(`taxonomy.scopes.${s}`) }))}
            allowDeselect={false}
            {...form.getInputProps('scope')}
          />
        )}
        <TextInput label={t('taxonomy.name')} required {...form.getInputProps('name')} />
        {form.values.kind === 'property' && <Select label={t('taxonomy.type')} data={PROPERTY_TYPES} allowDeselect={false} {...form.getInputProps('type')} />}
        <Button type="submit" loading={ev.isPending || prop.isPending}>
          {t('taxonomy.registerSubmit')}
        </Button>
      </Stack>
    </form>
  );
}
