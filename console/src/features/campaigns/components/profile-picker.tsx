import { Group, JsonInput, Select, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export const IDENTIFIER_TYPES = ['external_id', 'email', 'phone', 'kakao_user_id', 'line_user_id', 'device_id'] as const;

export interface Recipient {
  type: string;
  value: string;
}

/** A real profile picked by any identifier (as typed), and optionally event parameters typed as JSON. */
export function ProfilePicker(props: {
  idPrefix: string;
  value: Recipient;
  onChange: (r: Recipient) => void;
  params?: string;
  onParamsChange?: (p: string) => void;
  paramsError?: string | null;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Group grow align="flex-start" gap="xs">
        <Select
          label={t('campaigns.picker.type')}
          data={IDENTIFIER_TYPES.map((v) => ({ value: v, label: t(`campaigns.identifier.${v}`) }))}
          value={props.value.type}
          allowDeselect={false}
          disabled={props.disabled}
          onChange={(v) => props.onChange({ ...props.value, type: v ?? 'external_id' })}
        />
        <TextInput
          id={`${props.idPrefix}-value`}
          label={t('campaigns.picker.value')}
          value={props.value.value}
          disabled={props.disabled}
          onChange={(e) => props.onChange({ ...props.value, value: e.currentTarget.value })}
        />
      </Group>
      {props.onParamsChange && (
        <JsonInput
          label={t('campaigns.picker.params')}
          description={t('campaigns.picker.paramsHelp')}
          value={props.params}
          onChange={props.onParamsChange}
          error={props.paramsError}
          autosize
          minRows={2}
          disabled={props.disabled}
        />
      )}
    </>
  );
}

/** Event parameters typed as JSON: the object, or the reason it is not one. */
export function parseParams(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'object' };
    return { ok: true, value: v as Record<string, unknown> };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
