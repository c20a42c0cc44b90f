import { ActionIcon, Badge, Button, Code, CopyButton, Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useAudienceCount, useAudienceOptions } from '../api/campaigns';
import { CONDITION_OPS, type Condition, type SendTime } from './campaign-model';

/**
 * When the campaign sends: API-triggered (with the exact curl of the Notifly-face send to copy), event-triggered
 * (event, parameter conditions, delay, cancel event) or scheduled (time and audience with its live count).
 */
export function SendTimeFields(props: {
  projectId: string;
  campaignId: string | undefined;
  value: SendTime;
  onChange: (s: SendTime) => void;
  errors: Record<string, string>;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const { value, onChange, errors, disabled } = props;
  const audiences = useAudienceOptions(props.projectId);
  const audienceId = value.type === 'scheduled' ? value.audience_id : undefined;
  const count = useAudienceCount(props.projectId, audienceId);
  const setType = (type: string | null) => {
    if (type === 'event') onChange({ type: 'event', event: '', conditions: [], delay_seconds: 0 });
    else if (type === 'scheduled') onChange({ type: 'scheduled', at: '' });
    else onChange({ type: 'api' });
  };
  return (
    <Stack>
      <Select
        label={t('campaigns.sendTime.type')}
        data={(['api', 'event', 'scheduled'] as const).map((v) => ({ value: v, label: t(`campaigns.sendTimeType.${v}`) }))}
        value={value.type}
        onChange={setType}
        allowDeselect={false}
        disabled={disabled}
      />
      {value.type === 'api' && <ApiCurl projectId={props.projectId} campaignId={props.campaignId} />}
      {value.type === 'event' && (
        <>
          <TextInput
            label={t('campaigns.sendTime.event')}
            required
            value={value.event}
            error={errors['send_time.event']}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, event: e.currentTarget.value })}
          />
          <Text size="sm" fw={500}>
            {t('campaigns.sendTime.conditions')}
          </Text>
          {value.conditions.map((c, i) => (
            <ConditionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
              key={i}
              index={i}
              condition={c}
              disabled={disabled}
              error={errors[`send_time.conditions[${i}].value`] ?? errors[`send_time.conditions[${i}].param`]}
              onChange={(next) => onChange({ ...value, conditions: value.conditions.map((x, j) => (j === i ? next : x)) })}
              onRemove={() => onChange({ ...value, conditions: value.conditions.filter((_, j) => j !== i) })}
            />
          ))}
          {!disabled && (
            <div>
              <Button size="xs" variant="light" onClick={() => onChange({ ...value, conditions: [...value.conditions, { param: '', op: 'eq', value: '' }] })}>
                {t('campaigns.sendTime.addCondition')}
              </Button>
            </div>
          )}
          <NumberInput
            label={t('campaigns.sendTime.delay')}
            description={t('campaigns.sendTime.delayHelp')}
            min={0}
            max={2_592_000}
            value={value.delay_seconds}
            error={errors['send_time.delay_seconds']}
            disabled={disabled}
            onChange={(v) => onChange({ ...value, delay_seconds: typeof v === 'number' ? v : 0 })}
          />
          <TextInput
            label={t('campaigns.sendTime.cancelEvent')}
            description={t('campaigns.sendTime.cancelEventHelp')}
            value={value.cancel_event ?? ''}
            error={errors['send_time.cancel_event']}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, cancel_event: e.currentTarget.value || undefined })}
          />
        </>
      )}
      {value.type === 'scheduled' && (
        <>
          <TextInput
            label={t('campaigns.sendTime.at')}
            description={t('campaigns.sendTime.atHelp')}
            placeholder="2026-12-24T09:00:00+09:00"
            required
            value={value.at}
            error={errors['send_time.at']}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, at: e.currentTarget.value })}
          />
          <Select
            label={t('campaigns.sendTime.audience')}
            placeholder={t('campaigns.sendTime.everyone')}
            data={(audiences.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
            value={value.audience_id ?? null}
            clearable
            disabled={disabled}
            error={errors['send_time.audience_id']}
            onChange={(v) => onChange({ type: 'scheduled', at: value.at, ...(v ? { audience_id: v } : {}) })}
          />
          {audienceId && (
            <Text size="sm" aria-live="polite" aria-busy={count.isFetching}>
              {count.data === undefined ? t('common.loading') : t('campaigns.sendTime.audienceCount', { count: count.data })}
            </Text>
          )}
        </>
      )}
    </Stack>
  );
}

function ConditionRow(props: {
  index: number;
  condition: Condition;
  disabled: boolean;
  error?: string;
  onChange: (c: Condition) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const c = props.condition;
  const n = props.index + 1;
  const needsValue = c.op !== 'exists' && c.op !== 'not_exists';
  const numeric = ['gt', 'gte', 'lt', 'lte'].includes(c.op);
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <TextInput
        label={t('campaigns.sendTime.param', { n })}
        value={c.param}
        disabled={props.disabled}
        onChange={(e) => props.onChange({ ...c, param: e.currentTarget.value })}
      />
      <Select
        label={t('campaigns.sendTime.op', { n })}
        data={CONDITION_OPS.map((o) => ({ value: o, label: t(`campaigns.op.${o}`) }))}
        value={c.op}
        allowDeselect={false}
        disabled={props.disabled}
        onChange={(v) => props.onChange({ ...c, op: (v ?? 'eq') as Condition['op'] })}
        w={170}
      />
      {needsValue && (
        <TextInput
          label={t('campaigns.sendTime.value', { n })}
          value={c.value === undefined ? '' : String(c.value)}
          error={props.error}
          disabled={props.disabled}
          onChange={(e) => {
            const raw = e.currentTarget.value;
            props.onChange({ ...c, value: numeric && raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw });
          }}
        />
      )}
      {!props.disabled && (
        <ActionIcon variant="subtle" color="red" onClick={props.onRemove} aria-label={t('campaigns.sendTime.removeCondition', { n })} mb={4}>
          ×
        </ActionIcon>
      )}
    </Group>
  );
}

/** The exact Notifly-face call that sends this campaign (docs/campaigns.md "API-triggered"). */
function ApiCurl({ projectId, campaignId }: { projectId: string; campaignId: string | undefined }) {
  const { t } = useTranslation();
  if (!campaignId)
    return (
      <Text size="sm" c="dimmed">
        {t('campaigns.sendTime.curlAfterSave')}
      </Text>
    );
  const origin = window.location.origin;
  const curl = [
    `curl -X POST '${origin}/campaign/${projectId}/${campaignId}/send' \\`,
    `  -H "Authorization: $TOKEN" -H 'Content-Type: application/json' \\`,
    `  -H "Idempotency-Key: $(uuidgen)" \\`,
    `  -d '{"recipients": [{"type": "user-id", "userId": "user-1", "eventParams": {}}]}'`,
  ].join('\n');
  return (
    <Stack gap={4}>
      <Text size="sm">{t('campaigns.sendTime.curlHelp')}</Text>
      {/* Focusable: a long line scrolls, and a keyboard must reach it. */}
      <Code block data-testid="api-curl" tabIndex={0} aria-label={t('campaigns.sendTime.curlLabel')}>
        {curl}
      </Code>
      <Group>
        <CopyButton value={curl}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? t('common.copied') : t('campaigns.sendTime.copyCurl')}
            </Button>
          )}
        </CopyButton>
        <Badge variant="outline">{t('campaigns.sendTime.tokenHint')}</Badge>
      </Group>
    </Stack>
  );
}
