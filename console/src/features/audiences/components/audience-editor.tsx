import { useEffect, useMemo, useState } from 'react';
import { Anchor, Badge, Button, Card, Grid, Group, Loader, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, QueryState } from '../../../components/query-state';
import { useCurrentProject } from '../../../lib/project-context';
import { useAudience, usePreview, useRuleFields, useSaveAudience } from '../api/audiences';
import { RuleBuilder } from './rule-builder';
import { emptyGroup, fromApi, toApi, type Group as RuleGroup } from './rule-model';

export function AudienceEditor({ audienceId, canEdit }: { audienceId?: string; canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const { project } = useCurrentProject();
  const navigate = useNavigate();
  const existing = useAudience(project.id, audienceId);
  const fields = useRuleFields(project.id);
  const save = useSaveAudience(project.id);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [group, setGroup] = useState<RuleGroup>(() => emptyGroup('all'));
  const [nameError, setNameError] = useState<string | null>(null);
  useEffect(() => {
    if (existing.data) {
      setName(existing.data.name);
      setDescription(existing.data.description ?? '');
      setGroup(fromApi(existing.data.rule));
    }
  }, [existing.data]);
  const types = useMemo(() => Object.fromEntries((fields.data?.properties ?? []).map((p) => [p.name, p.type])), [fields.data]);
  // The API wants at least one condition; until there is one, nothing is asked and the preview says what to do.
  const rule = useMemo(() => (group.children.length > 0 ? toApi(group, types) : null), [group, types]);
  const [debounced] = useDebouncedValue(rule, 400);
  const preview = usePreview(project.id, debounced);
  // Busy from the first change until the answer for the latest rule is in (the debounce included).
  const busy = preview.isFetching || JSON.stringify(rule) !== JSON.stringify(debounced);
  const nf = new Intl.NumberFormat(i18n.language);
  if (audienceId && (existing.isPending || existing.error))
    return (
      <QueryState isPending={existing.isPending} error={existing.error}>
        {null}
      </QueryState>
    );
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 8 }}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return setNameError(t('audiences.nameRequired'));
            setNameError(null);
            save.mutate(
              { id: audienceId, name: name.trim(), description: description.trim(), rule: rule ?? toApi(group, types) },
              {
                onSuccess: (a) => {
                  notifications.show({ color: 'green', message: t('audiences.saved', { name: a.name }) });
                  navigate(`/p/${project.id}/audiences`);
                },
              },
            );
          }}
        >
          <Stack>
            {save.error && <ErrorAlert error={save.error} />}
            <TextInput
              label={t('audiences.name')}
              required
              value={name}
              error={nameError}
              onChange={(e) => setName(e.currentTarget.value)}
              disabled={!canEdit}
            />
            <Textarea
              label={t('audiences.description')}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              disabled={!canEdit}
              autosize
              minRows={1}
            />
            <Title order={2} size="h4">
              {t('audiences.rule')}
            </Title>
            {fields.error && <ErrorAlert error={fields.error} />}
            <RuleBuilder group={group} onChange={setGroup} fields={fields.data ?? { properties: [], events: [] }} />
            {canEdit && (
              <Group>
                <Button type="submit" loading={save.isPending}>
                  {t('audiences.save')}
                </Button>
              </Group>
            )}
          </Stack>
        </form>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Card withBorder component="section" aria-labelledby="audience-preview-title" aria-live="polite" aria-busy={busy}>
          <Group justify="space-between">
            <Title order={2} size="h4" id="audience-preview-title">
              {t('audiences.preview')}
            </Title>
            {busy && <Loader size="xs" role="status" aria-label={t('common.loading')} />}
          </Group>
          {rule === null ? (
            <Text size="sm" c="dimmed" mt="xs">
              {t('audiences.addConditionForCount')}
            </Text>
          ) : preview.error ? (
            <ErrorAlert error={preview.error} title={t('audiences.ruleInvalid')} />
          ) : preview.data ? (
            <Stack gap="xs" mt="xs">
              <Text>
                <Badge size="lg" variant="light" data-testid="audience-count">
                  {nf.format(preview.data.count)}
                </Badge>{' '}
                {t('audiences.profilesMatch')}
              </Text>
              <Text size="sm" c="dimmed">
                {t('audiences.sample')}
              </Text>
              {preview.data.sample.length === 0 ? (
                <Text size="sm">{t('common.none')}</Text>
              ) : (
                preview.data.sample.map((id) => (
                  <Anchor key={id} component={Link} to={`/p/${project.id}/profiles/${encodeURIComponent(id)}`} size="sm" ff="monospace">
                    {id}
                  </Anchor>
                ))
              )}
            </Stack>
          ) : (
            <Text c="dimmed">{t('common.loading')}</Text>
          )}
        </Card>
      </Grid.Col>
    </Grid>
  );
}
