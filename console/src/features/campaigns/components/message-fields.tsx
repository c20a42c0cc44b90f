import { Group, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { placeholdersOf, TEXT_KINDS, type Channel } from './campaign-model';

type T = Record<string, unknown>;

/**
 * The message of a campaign for its channel (docs/campaigns.md "Templates per channel"). Every text field is a
 * Liquid template; `errors` holds what the API said about a field (a syntax error, shown as you type).
 */
export function MessageFields(props: { channel: Channel; template: T; onChange: (t: T) => void; errors: Record<string, string>; disabled: boolean }) {
  const { t } = useTranslation();
  const { template, onChange, errors, disabled } = props;
  const str = (k: string) => (typeof template[k] === 'string' ? (template[k] as string) : '');
  const set = (k: string, v: unknown) => onChange({ ...template, [k]: v });
  const text = (k: string, opts: { required?: boolean; area?: boolean; mono?: boolean; description?: string } = {}) => {
    const common = {
      key: k,
      label: t(`campaigns.field.${k as 'title'}`),
      description: opts.description,
      required: opts.required,
      value: str(k),
      error: errors[k],
      disabled,
      styles: opts.mono ? { input: { fontFamily: 'var(--mantine-font-family-monospace)' } } : undefined,
    };
    return opts.area ? (
      <Textarea {...common} autosize minRows={3} onChange={(e) => set(k, e.currentTarget.value)} />
    ) : (
      <TextInput {...common} onChange={(e) => set(k, e.currentTarget.value)} />
    );
  };
  switch (props.channel) {
    case 'push':
      return (
        <Stack>
          {text('title')}
          {text('body', { required: true, area: true })}
          {text('deep_link')}
          {text('image_url')}
        </Stack>
      );
    case 'web_push':
      return (
        <Stack>
          {text('title', { required: true })}
          {text('body', { required: true, area: true })}
          {text('url')}
          {text('icon_url')}
          {text('image_url')}
        </Stack>
      );
    case 'email':
      return (
        <Stack>
          {text('subject', { required: true })}
          {text('html', { area: true, mono: true, description: t('campaigns.field.htmlHelp') })}
          {text('text', { area: true })}
          <Group grow>
            {text('from_name')}
            {text('from_address')}
          </Group>
        </Stack>
      );
    case 'text_message':
      return (
        <Stack>
          <Select
            label={t('campaigns.field.kind')}
            data={TEXT_KINDS.map((k) => ({ value: k, label: k.toUpperCase() }))}
            value={str('kind') || 'sms'}
            onChange={(v) => set('kind', v ?? 'sms')}
            allowDeselect={false}
            disabled={disabled}
          />
          {str('kind') !== 'sms' && text('title')}
          {text('body', { required: true, area: true })}
          {text('from', { description: t('campaigns.field.fromHelp') })}
        </Stack>
      );
    case 'kakao_alimtalk': {
      const params = (template.parameters ?? {}) as Record<string, string>;
      const vars = placeholdersOf(str('content'));
      const failover = (template.failover ?? {}) as Record<string, string>;
      const setFailover = (k: string, v: string) => set('failover', { kind: 'lms', ...failover, [k]: v });
      return (
        <Stack>
          {text('template_code', { required: true })}
          {text('content', { required: true, area: true, description: t('campaigns.field.contentHelp') })}
          <Text size="sm" fw={500}>
            {t('campaigns.field.parameters')}
          </Text>
          {vars.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('campaigns.field.noVariables')}
            </Text>
          ) : (
            vars.map((v) => (
              <TextInput
                key={v}
                label={`#{${v}}`}
                description={t('campaigns.field.parameterHelp')}
                value={params[v] ?? ''}
                error={errors[`parameters.${v}`] ?? (errors.parameters && !(v in params) ? errors.parameters : undefined)}
                disabled={disabled}
                onChange={(e) => set('parameters', { ...Object.fromEntries(vars.map((n) => [n, params[n] ?? ''])), [v]: e.currentTarget.value })}
              />
            ))
          )}
          {text('sender_key')}
          <Text size="sm" fw={500}>
            {t('campaigns.field.failover')}
          </Text>
          <Group grow align="flex-start">
            <Select
              label={t('campaigns.field.failoverKind')}
              data={TEXT_KINDS.map((k) => ({ value: k, label: k.toUpperCase() }))}
              value={failover.kind ?? 'lms'}
              onChange={(v) => setFailover('kind', v ?? 'lms')}
              allowDeselect={false}
              disabled={disabled}
            />
            <TextInput
              label={t('campaigns.field.failoverTitle')}
              value={failover.title ?? ''}
              disabled={disabled}
              onChange={(e) => setFailover('title', e.currentTarget.value)}
            />
          </Group>
          <Textarea
            label={t('campaigns.field.failoverBody')}
            value={failover.body ?? ''}
            error={errors['failover.body']}
            disabled={disabled}
            autosize
            minRows={2}
            onChange={(e) => setFailover('body', e.currentTarget.value)}
          />
        </Stack>
      );
    }
  }
}
