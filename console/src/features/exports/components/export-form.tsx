import { useMemo, useState } from 'react';
import { Button, Card, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useCurrentProject } from '../../../lib/project-context';
import { localDay } from '../../../lib/time';
import { exportUrl, type ExportFilter } from '../api/export-urls';

const DAY = 86_400_000;
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The DFINERY export API's checks (docs/dfinery-export.md "Errors"), so a bad range is refused before the download starts. */
export function checkExport(
  what: 'events' | 'profiles',
  f: ExportFilter,
  today: string,
): { field: keyof ExportFilter; key: 'required' | 'format' | 'order' | 'range' | 'tooOld' } | null {
  if (what === 'profiles') return null;
  if (!f.from_date) return { field: 'from_date', key: 'required' };
  if (!f.to_date) return { field: 'to_date', key: 'required' };
  if (!DATE.test(f.from_date)) return { field: 'from_date', key: 'format' };
  if (!DATE.test(f.to_date)) return { field: 'to_date', key: 'format' };
  if (daysBetween(f.from_date, f.to_date) < 0) return { field: 'to_date', key: 'order' };
  if (daysBetween(f.from_date, f.to_date) > 31) return { field: 'to_date', key: 'range' };
  if (daysBetween(f.from_date, today) > 365) return { field: 'from_date', key: 'tooOld' };
  return null;
}

export function ExportForm() {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const today = localDay(Date.now(), project.timezone);
  const [what, setWhat] = useState<'events' | 'profiles'>('events');
  const [f, setF] = useState<ExportFilter>({
    from_date: localDay(Date.now() - 6 * DAY, project.timezone),
    to_date: today,
    events_condition_type: 'all',
    properties_condition_type: 'all',
  });
  const problem = useMemo(() => checkExport(what, f, today), [what, f, today]);
  const err = (field: keyof ExportFilter) => (problem?.field === field ? t(`exports.errors.${problem.key}`) : null);
  const filter: ExportFilter =
    what === 'events' ? f : { properties: f.properties, properties_condition_type: f.properties_condition_type, audience: f.audience };
  const cond = (v: string | undefined, on: (v: 'all' | 'include' | 'exclude') => void, label: string) => (
    <Select
      label={label}
      value={v ?? 'all'}
      allowDeselect={false}
      onChange={(x) => on((x ?? 'all') as 'all')}
      data={(['all', 'include', 'exclude'] as const).map((c) => ({ value: c, label: t(`exports.condition.${c}`) }))}
    />
  );
  return (
    <Card withBorder>
      <Stack>
        <SegmentedControl
          aria-label={t('exports.what')}
          value={what}
          onChange={(v) => setWhat(v as 'events')}
          data={[
            { value: 'events', label: t('exports.events') },
            { value: 'profiles', label: t('exports.profiles') },
          ]}
        />
        {what === 'events' && (
          <Group grow>
            <TextInput
              label={t('exports.fromDate', { zone: project.timezone })}
              placeholder="yyyy-MM-dd"
              value={f.from_date ?? ''}
              error={err('from_date')}
              onChange={(e) => setF({ ...f, from_date: e.currentTarget.value })}
            />
            <TextInput
              label={t('exports.toDate', { zone: project.timezone })}
              placeholder="yyyy-MM-dd"
              value={f.to_date ?? ''}
              error={err('to_date')}
              onChange={(e) => setF({ ...f, to_date: e.currentTarget.value })}
            />
          </Group>
        )}
        {what === 'events' && (
          <Group grow align="flex-start">
            <TextInput
              label={t('exports.eventNames')}
              description={t('exports.commaSeparated')}
              value={f.events ?? ''}
              onChange={(e) => setF({ ...f, events: e.currentTarget.value })}
            />
            {cond(f.events_condition_type, (v) => setF({ ...f, events_condition_type: v }), t('exports.eventsCondition'))}
          </Group>
        )}
        <Group grow align="flex-start">
          <TextInput
            label={t('exports.columns')}
            description={t('exports.commaSeparated')}
            value={f.properties ?? ''}
            onChange={(e) => setF({ ...f, properties: e.currentTarget.value })}
          />
          {cond(f.properties_condition_type, (v) => setF({ ...f, properties_condition_type: v }), t('exports.columnsCondition'))}
        </Group>
        <TextInput
          label={t('exports.audience')}
          description={t('exports.audienceHelp')}
          value={f.audience ?? ''}
          onChange={(e) => setF({ ...f, audience: e.currentTarget.value.trim() })}
        />
        <Text size="sm" c="dimmed">
          {t('exports.help')}
        </Text>
        <Group>
          {problem ? (
            <Button disabled>{t('exports.download')}</Button>
          ) : (
            <Button component="a" href={exportUrl(project.id, what, filter)} download={`${what}-${project.id}.csv`}>
              {t('exports.download')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
