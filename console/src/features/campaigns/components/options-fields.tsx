import { Checkbox, Group, NumberInput, Select, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CampaignDoc } from './campaign-model';

/**
 * Everything else of the campaign document: quiet hours, noisy window, fatigue, excluded users, night-time
 * advertising, attempts, statistics dimensions and the conversion event (docs/campaigns.md).
 */
export function OptionsFields(props: { doc: CampaignDoc; onChange: (d: CampaignDoc) => void; errors: Record<string, string>; disabled: boolean }) {
  const { t } = useTranslation();
  const { doc, onChange, errors, disabled } = props;
  const qh = doc.quiet_hours;
  const qhMode = qh === undefined ? 'project' : qh === null ? 'off' : 'own';
  return (
    <Stack>
      <Title order={3} size="h5">
        {t('campaigns.options.filters')}
      </Title>
      <Select
        label={t('campaigns.options.quietHours')}
        data={(['project', 'own', 'off'] as const).map((v) => ({ value: v, label: t(`campaigns.options.quietHours_${v}`) }))}
        value={qhMode}
        allowDeselect={false}
        disabled={disabled}
        onChange={(v) => onChange({ ...doc, quiet_hours: v === 'off' ? null : v === 'own' ? { start: '21:00', end: '08:00' } : undefined })}
      />
      {qh && (
        <Group grow>
          <TextInput
            label={t('campaigns.options.quietStart')}
            value={qh.start}
            error={errors['quiet_hours.start']}
            disabled={disabled}
            onChange={(e) => onChange({ ...doc, quiet_hours: { ...qh, start: e.currentTarget.value } })}
          />
          <TextInput
            label={t('campaigns.options.quietEnd')}
            value={qh.end}
            error={errors['quiet_hours.end']}
            disabled={disabled}
            onChange={(e) => onChange({ ...doc, quiet_hours: { ...qh, end: e.currentTarget.value } })}
          />
        </Group>
      )}
      <NumberInput
        label={t('campaigns.options.noisyWindow')}
        description={t('campaigns.options.noisyWindowHelp')}
        min={1}
        value={doc.noisy_window_seconds ?? ''}
        error={errors.noisy_window_seconds}
        disabled={disabled}
        onChange={(v) => onChange({ ...doc, noisy_window_seconds: typeof v === 'number' ? v : undefined })}
      />
      {doc.consent_class === 'advertising' && (
        <>
          <Checkbox
            label={t('campaigns.options.fatigue')}
            description={t('campaigns.options.fatigueHelp')}
            checked={doc.fatigue !== false}
            disabled={disabled}
            onChange={(e) => onChange({ ...doc, fatigue: e.currentTarget.checked ? undefined : false })}
          />
          <Select
            label={t('campaigns.options.nightAds')}
            data={(['skip', 'hold'] as const).map((v) => ({ value: v, label: t(`campaigns.options.nightAds_${v}`) }))}
            value={doc.night_ads ?? 'skip'}
            allowDeselect={false}
            disabled={disabled}
            onChange={(v) => onChange({ ...doc, night_ads: v === 'hold' ? 'hold' : undefined })}
          />
        </>
      )}
      <TagsInput
        label={t('campaigns.options.excluded')}
        description={t('campaigns.options.excludedHelp')}
        value={doc.excluded_user_ids ?? []}
        error={Object.entries(errors).find(([k]) => k.startsWith('excluded_user_ids'))?.[1]}
        disabled={disabled}
        onChange={(v) => onChange({ ...doc, excluded_user_ids: v })}
      />
      <NumberInput
        label={t('campaigns.options.maxAttempts')}
        min={1}
        max={20}
        value={doc.max_attempts ?? ''}
        placeholder="5"
        error={errors.max_attempts}
        disabled={disabled}
        onChange={(v) => onChange({ ...doc, max_attempts: typeof v === 'number' ? v : undefined })}
      />
      <Title order={3} size="h5">
        {t('campaigns.options.statistics')}
      </Title>
      <TagsInput
        label={t('campaigns.options.dimensions')}
        description={t('campaigns.options.dimensionsHelp')}
        value={doc.stats_dimensions}
        maxTags={10}
        error={Object.entries(errors).find(([k]) => k.startsWith('stats_dimensions'))?.[1]}
        disabled={disabled}
        onChange={(v) => onChange({ ...doc, stats_dimensions: v })}
      />
      <Group grow align="flex-start">
        <TextInput
          label={t('campaigns.options.conversion')}
          description={t('campaigns.options.conversionHelp')}
          value={doc.conversion?.event ?? ''}
          error={errors['conversion.event']}
          disabled={disabled}
          onChange={(e) => {
            const event = e.currentTarget.value;
            onChange({ ...doc, conversion: event ? { event, window_hours: doc.conversion?.window_hours ?? 72 } : undefined });
          }}
        />
        <NumberInput
          label={t('campaigns.options.conversionWindow')}
          min={1}
          max={720}
          value={doc.conversion?.window_hours ?? 72}
          error={errors['conversion.window_hours']}
          disabled={disabled || !doc.conversion}
          onChange={(v) => doc.conversion && onChange({ ...doc, conversion: { ...doc.conversion, window_hours: typeof v === 'number' ? v : 72 } })}
        />
      </Group>
      <Text size="xs" c="dimmed">
        {t('campaigns.options.projectRules')}
      </Text>
    </Stack>
  );
}
