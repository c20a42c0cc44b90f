import { Button, Card, NumberInput, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { timeZones } from '../../../lib/time';
import { useProjectSettings, type SettingsView } from '../api/get-settings';
import { useUpdateProjectSettings } from '../api/update-settings';

/** Regions maru parses phone numbers for without a country code (D6): ISO 3166 codes libphonenumber knows; the common ones first. */
const REGIONS = ['KR', 'JP', 'US', 'CN', 'TW', 'VN', 'TH', 'SG', 'GB', 'DE', 'FR', 'AU', 'CA', 'ID', 'PH', 'MY', 'IN', 'HK'];

/** The project's settings; the rate limits, their windows and defaults are the server's (GET …/settings). */
export function GeneralSettings({ canEdit }: { canEdit: boolean }) {
  const { project } = useCurrentProject();
  const view = useProjectSettings(project.id);
  return (
    <QueryState isPending={view.isPending} error={view.error}>
      {view.data && <SettingsForm canEdit={canEdit} view={view.data} />}
    </QueryState>
  );
}

function SettingsForm({ canEdit, view }: { canEdit: boolean; view: SettingsView }) {
  const { t, i18n } = useTranslation();
  const { project } = useCurrentProject();
  const update = useUpdateProjectSettings(project.id);
  const nf = new Intl.NumberFormat(i18n.language);
  const form = useForm({
    initialValues: {
      name: project.name,
      timezone: project.timezone,
      phoneRegion: project.settings.phoneRegion ?? 'KR',
      neutraliseExportFormulas: project.settings.neutraliseExportFormulas === true,
      limits: Object.fromEntries(view.limits.map((l) => [l.name, l.value ?? ''])) as Record<string, number | ''>,
    },
    validate: {
      name: (v) => (v.trim() ? null : t('projects.nameRequired')),
      limits: (v) => (Object.values(v).some((n) => n !== '' && (!Number.isInteger(n) || n < 1)) ? t('settings.limitPositive') : null),
    },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) => {
        const overrides = Object.fromEntries(Object.entries(v.limits).filter(([, n]) => n !== '')) as Record<string, number>;
        update.mutate(
          {
            name: v.name.trim(),
            timezone: v.timezone,
            settings: { phoneRegion: v.phoneRegion, neutraliseExportFormulas: v.neutraliseExportFormulas, limits: overrides },
          },
          { onSuccess: () => notifications.show({ color: 'green', message: t('settings.saved') }) },
        );
      })}
    >
      <Stack>
        {!canEdit && (
          <Text size="sm" role="note">
            {t('settings.readOnly')}
          </Text>
        )}
        {update.error && <ErrorAlert error={update.error} />}
        <Card withBorder>
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <TextInput label={t('projects.name')} disabled={!canEdit} {...form.getInputProps('name')} />
            <Select
              label={t('projects.timezone')}
              data={timeZones()}
              searchable
              allowDeselect={false}
              disabled={!canEdit}
              {...form.getInputProps('timezone')}
            />
            <Select
              label={t('settings.phoneRegion')}
              description={t('settings.phoneRegionHelp')}
              data={REGIONS}
              searchable
              allowDeselect={false}
              disabled={!canEdit}
              {...form.getInputProps('phoneRegion')}
            />
          </SimpleGrid>
          <Switch
            mt="md"
            label={t('settings.neutraliseFormulas')}
            disabled={!canEdit}
            {...form.getInputProps('neutraliseExportFormulas', { type: 'checkbox' })}
          />
        </Card>
        <Card withBorder>
          <Title order={2} size="h4">
            {t('settings.limits')}
          </Title>
          <Text size="sm" c="dimmed" mb="xs">
            {t('settings.limitsHelp')}
          </Text>
          {form.errors.limits && (
            <Text c="red" size="sm">
              {form.errors.limits}
            </Text>
          )}
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('settings.limit')}</Table.Th>
                <Table.Th>{t('settings.window')}</Table.Th>
                <Table.Th>{t('settings.default')}</Table.Th>
                <Table.Th>{t('settings.override')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {view.limits.map(({ name, window, default: byDefault }) => (
                <Table.Tr key={name}>
                  <Table.Td ff="monospace">{name}</Table.Td>
                  <Table.Td>{window ?? t('settings.atOnce')}</Table.Td>
                  <Table.Td>{nf.format(byDefault)}</Table.Td>
                  <Table.Td>
                    <NumberInput
                      aria-label={t('settings.overrideOf', { name })}
                      placeholder={nf.format(byDefault)}
                      min={1}
                      allowDecimal={false}
                      disabled={!canEdit}
                      {...form.getInputProps(`limits.${name}`)}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        {canEdit && (
          <div>
            <Button type="submit" loading={update.isPending}>
              {t('common.save')}
            </Button>
          </div>
        )}
      </Stack>
    </form>
  );
}
