import { type ReactNode, useMemo, useState } from 'react';
import { Alert, Badge, Button, Card, Grid, Group, List, Loader, SegmentedControl, Stack, Stepper, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { ApiError } from '../../../lib/api-client';
import { useCurrentProject } from '../../../lib/project-context';
import { useDraftPreview, useSaveCampaign, type Stored } from '../api/campaigns';
import { CHANNELS, EMPTY_TEMPLATES, emptyDoc, fromStored, templateFieldOf, templateToApi, toApi, type CampaignDoc, type Channel } from './campaign-model';
import { ChannelPreview } from './channel-preview';
import { MessageFields } from './message-fields';
import { OptionsFields } from './options-fields';
import { ProfilePicker, parseParams, type Recipient } from './profile-picker';
import { SendTimeFields } from './send-time-fields';

const STEPS = ['channel', 'message', 'sendTime', 'options', 'review'] as const;

/**
 * Create or edit a campaign as a guided flow: channel and consent class, message (with the live preview rendered by
 * the server for a real profile), send time, filters and statistics, review and save. Everything is one campaign
 * document; the API checks it whole and names the field at fault, which is shown at that field.
 */
export function CampaignEditor({ campaign, canEdit, aside }: { campaign?: Stored; canEdit: boolean; aside?: ReactNode }) {
  const { t } = useTranslation();
  const { project } = useCurrentProject();
  const navigate = useNavigate();
  const save = useSaveCampaign(project.id);
  const [doc, setDoc] = useState<CampaignDoc>(() => (campaign ? fromStored(campaign as unknown as Record<string, unknown>) : emptyDoc()));
  const [step, setStep] = useState(0);
  const [who, setWho] = useState<Recipient>({ type: 'external_id', value: '' });
  const [paramsText, setParamsText] = useState('{}');
  // The document is read once (the page keys the editor by campaign): a refetch after a status change or a save does
  // not overwrite what is being edited.
  const archived = campaign?.status === 'archived';
  const disabled = !canEdit || archived;
  const params = parseParams(paramsText);

  // The live preview: the draft's channel, class and template, for the picked profile, with the typed parameters
  // (the last parameters that parsed, while the JSON is being typed).
  const paramsKey = params.ok ? JSON.stringify(params.value) : '{}';
  const previewInput = useMemo(
    () => ({
      campaign: { channel: doc.channel, consent_class: doc.consent_class, template: templateToApi(doc.channel, doc.template) },
      ...(who.value.trim() ? { identifier: { type: who.type, value: who.value.trim() } } : {}),
      event_params: JSON.parse(paramsKey) as Record<string, unknown>,
    }),
    [doc.channel, doc.consent_class, doc.template, who, paramsKey],
  );
  const [debounced] = useDebouncedValue(previewInput, 300);
  const preview = useDraftPreview(project.id, debounced, true);
  const previewBusy = preview.isFetching || JSON.stringify(previewInput) !== JSON.stringify(debounced);

  const saveErrors = fieldErrors(save.error);
  const previewField = preview.error instanceof ApiError ? templateFieldOf(preview.error.field) : undefined;
  const templateErrors: Record<string, string> = {};
  for (const [k, v] of Object.entries(saveErrors)) {
    const f = templateFieldOf(k);
    if (f) templateErrors[f] = v;
  }
  // A syntax error is shown at its field as you type; a field not filled in yet is not an error until saving.
  if (previewField && preview.error && /not a valid Liquid template/.test(preview.error.message)) templateErrors[previewField] = preview.error.message;

  const setChannel = (channel: Channel) =>
    setDoc((d) => ({
      ...d,
      channel,
      template: { ...EMPTY_TEMPLATES[channel] },
      consent_class: channel === 'kakao_alimtalk' ? 'informational' : d.consent_class,
    }));

  const onSave = () =>
    save.mutate(
      { id: campaign?.id, doc: toApi(doc) },
      {
        onSuccess: (c) => {
          notifications.show({ color: 'green', message: t('campaigns.saved', { name: c.name }) });
          if (!campaign) navigate(`/p/${project.id}/campaigns/${c.id}`);
        },
        onError: (e) => {
          // Go to the step of the field the API names.
          const f = e instanceof ApiError ? e.field : undefined;
          if (!f) return;
          if (f === 'name' || f === 'channel' || f === 'consent_class' || f.startsWith('advertising')) setStep(0);
          else if (f.startsWith('template')) setStep(1);
          else if (f.startsWith('send_time')) setStep(2);
          else setStep(3);
        },
      },
    );

  const advertising = doc.consent_class === 'advertising';
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Stack>
          {archived && <Alert color="gray">{t('campaigns.archivedReadOnly')}</Alert>}
          {!canEdit && <Alert color="gray">{t('campaigns.readOnly')}</Alert>}
          <Stepper active={step} onStepClick={setStep} size="sm" allowNextStepsSelect>
            {STEPS.map((s) => (
              <Stepper.Step key={s} label={t(`campaigns.step.${s}`)} />
            ))}
          </Stepper>
          <Title order={2} size="h4">
            {t(`campaigns.step.${STEPS[step]}`)}
          </Title>
          {step === 0 && (
            <Stack>
              <TextInput
                label={t('campaigns.field.name')}
                required
                value={doc.name}
                error={saveErrors.name}
                disabled={disabled}
                onChange={(e) => setDoc({ ...doc, name: e.currentTarget.value })}
              />
              <Stack gap={4}>
                <Text size="sm" fw={500} id="channel-label">
                  {t('campaigns.field.channel')}
                </Text>
                <SegmentedControl
                  aria-labelledby="channel-label"
                  data={CHANNELS.map((c) => ({ value: c, label: t(`campaigns.channel.${c}`) }))}
                  value={doc.channel}
                  onChange={(v) => setChannel(v as Channel)}
                  disabled={disabled || (campaign !== undefined && campaign.status !== 'draft')}
                />
                {campaign && campaign.status !== 'draft' && (
                  <Text size="xs" c="dimmed">
                    {t('campaigns.channelFixed')}
                  </Text>
                )}
              </Stack>
              <Stack gap={4}>
                <Text size="sm" fw={500} id="class-label">
                  {t('campaigns.field.consentClass')}
                </Text>
                <SegmentedControl
                  aria-labelledby="class-label"
                  data={[
                    { value: 'informational', label: t('campaigns.consent.informational') },
                    { value: 'advertising', label: t('campaigns.consent.advertising'), disabled: doc.channel === 'kakao_alimtalk' },
                  ]}
                  value={doc.consent_class}
                  onChange={(v) => setDoc({ ...doc, consent_class: v as CampaignDoc['consent_class'] })}
                  disabled={disabled}
                />
                {saveErrors.consent_class && (
                  <Text size="sm" c="red.8">
                    {saveErrors.consent_class}
                  </Text>
                )}
              </Stack>
              <AdvertisingNotice channel={doc.channel} advertising={advertising} />
            </Stack>
          )}
          {step === 1 && (
            <MessageFields
              channel={doc.channel}
              template={doc.template}
              onChange={(template) => setDoc({ ...doc, template })}
              errors={templateErrors}
              disabled={disabled}
            />
          )}
          {step === 2 && (
            <SendTimeFields
              projectId={project.id}
              campaignId={campaign?.id}
              value={doc.send_time}
              onChange={(send_time) => setDoc({ ...doc, send_time })}
              errors={saveErrors}
              disabled={disabled}
            />
          )}
          {step === 3 && <OptionsFields doc={doc} onChange={setDoc} errors={saveErrors} disabled={disabled} />}
          {step === 4 && <Review doc={doc} />}
          {save.error && <ErrorAlert error={save.error} title={t('campaigns.notSaved')} />}
          <Group justify="space-between">
            <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
              {t('campaigns.back')}
            </Button>
            <Group>
              {!disabled && (
                <Button variant={step === 4 ? 'filled' : 'light'} loading={save.isPending} onClick={onSave}>
                  {campaign ? t('campaigns.saveChanges') : t('campaigns.saveDraft')}
                </Button>
              )}
              {step < 4 && <Button onClick={() => setStep(step + 1)}>{t('campaigns.next')}</Button>}
            </Group>
          </Group>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Stack>
          <Card withBorder component="section" aria-labelledby="campaign-preview-title" aria-live="polite" aria-busy={previewBusy}>
            <Group justify="space-between" mb="xs">
              <Title order={2} size="h4" id="campaign-preview-title">
                {t('campaigns.preview.title')}
              </Title>
              {previewBusy && <Loader size="xs" role="status" aria-label={t('common.loading')} />}
            </Group>
            <Stack gap="sm">
              <ProfilePicker
                idPrefix="preview"
                value={who}
                onChange={setWho}
                params={paramsText}
                onParamsChange={setParamsText}
                paramsError={params.ok ? null : t('campaigns.picker.paramsInvalid', { reason: params.error })}
              />
              {preview.error ? (
                <Alert
                  color="red"
                  role="alert"
                  title={/not a valid Liquid template/.test(preview.error.message) ? t('campaigns.preview.templateError') : t('campaigns.preview.incomplete')}
                >
                  {preview.error.message}
                </Alert>
              ) : preview.data ? (
                <>
                  <Text size="xs" c="dimmed" data-testid="preview-profile">
                    {preview.data.profile_id ? t('campaigns.preview.forProfile', { id: preview.data.profile_id }) : t('campaigns.preview.noProfile')}
                  </Text>
                  {preview.data.ok ? (
                    <ChannelPreview channel={doc.channel} preview={preview.data} advertising={advertising && doc.channel !== 'text_message'} />
                  ) : (
                    <Alert color="red" role="alert" title={t('campaigns.preview.renderingFailure')}>
                      {preview.data.rendering_failure?.field}: {preview.data.rendering_failure?.message}
                    </Alert>
                  )}
                </>
              ) : null}
            </Stack>
          </Card>
          {aside}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

/** What D10 makes of an advertising campaign on this channel (docs/korean-messaging.md "Marking" and "Consent"). */
function AdvertisingNotice({ channel, advertising }: { channel: Channel; advertising: boolean }) {
  const { t } = useTranslation();
  if (channel === 'kakao_alimtalk')
    return (
      <Alert color="blue" title={t('campaigns.consent.informational')}>
        {t('campaigns.ad.alimtalk')}
      </Alert>
    );
  if (!advertising)
    return (
      <Text size="sm" c="dimmed">
        {t('campaigns.ad.informational')}
      </Text>
    );
  return (
    <Alert color="orange" title={t('campaigns.ad.title')} data-testid="advertising-notice">
      <List size="sm" spacing={4}>
        <List.Item>{t(`campaigns.ad.mark_${channel}`)}</List.Item>
        <List.Item>{t(`campaigns.ad.optout_${channel}`)}</List.Item>
        <List.Item>{t(`campaigns.ad.consent_${channel}`)}</List.Item>
        {channel !== 'email' && <List.Item>{t(`campaigns.ad.night_${channel}`)}</List.Item>}
        <List.Item>{t('campaigns.ad.fatigue')}</List.Item>
      </List>
    </Alert>
  );
}

function Review({ doc }: { doc: CampaignDoc }) {
  const { t } = useTranslation();
  const s = doc.send_time;
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Badge>{t(`campaigns.channel.${doc.channel}`)}</Badge>
        <Badge color={doc.consent_class === 'advertising' ? 'orange' : 'gray'} variant="light" c="dark.8">
          {t(`campaigns.consent.${doc.consent_class}`)}
        </Badge>
        <Badge variant="outline">{t(`campaigns.sendTimeType.${s.type}`)}</Badge>
      </Group>
      <Text size="sm">
        {s.type === 'event'
          ? t('campaigns.review.event', { event: s.event || '—', n: s.conditions.length, delay: s.delay_seconds, cancel: s.cancel_event ?? '—' })
          : s.type === 'scheduled'
            ? t('campaigns.review.scheduled', { at: s.at || '—', audience: s.audience_id ?? t('campaigns.sendTime.everyone') })
            : t('campaigns.review.api')}
      </Text>
      <Text size="sm">{t('campaigns.review.dimensions', { list: doc.stats_dimensions.join(', ') || '—' })}</Text>
      <Text size="sm">{t('campaigns.review.conversion', { event: doc.conversion?.event ?? '—' })}</Text>
      <Text size="sm" c="dimmed">
        {t('campaigns.review.help')}
      </Text>
    </Stack>
  );
}

/** The field the API named in a refusal, and its message. */
function fieldErrors(error: unknown): Record<string, string> {
  if (error instanceof ApiError && error.field) return { [error.field]: error.message };
  return {};
}
