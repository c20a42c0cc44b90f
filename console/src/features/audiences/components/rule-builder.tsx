import { ActionIcon, Autocomplete, Button, Card, Group, NumberInput, SegmentedControl, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CONSENT_FLAGS, PROPERTY_OPS, emptyGroup, newKey, type Group as RuleGroup, type Node, type PropertyOp } from './rule-model';

interface Fields {
  properties: { name: string; type: string }[];
  events: string[];
}

/** Edits one group and, recursively, its subgroups. Every control is a labelled form field (keyboard reachable). */
export function RuleBuilder({ group, onChange, fields, depth = 0 }: { group: RuleGroup; onChange: (g: RuleGroup) => void; fields: Fields; depth?: number }) {
  const { t } = useTranslation();
  const set = (i: number, n: Node) => onChange({ ...group, children: group.children.map((c, j) => (j === i ? n : c)) });
  const remove = (i: number) => onChange({ ...group, children: group.children.filter((_, j) => j !== i) });
  const add = (n: Node) => onChange({ ...group, children: [...group.children, n] });
  return (
    <Card withBorder padding="sm" bg={depth % 2 ? 'gray.0' : undefined} role="group" aria-label={t('audiences.group', { depth: depth + 1 })}>
      <Stack gap="xs">
        <Group justify="space-between">
          <SegmentedControl
            size="xs"
            aria-label={t('audiences.combine')}
            value={group.combine}
            onChange={(v) => onChange({ ...group, combine: v as 'all' | 'any' })}
            data={[
              { value: 'all', label: t('audiences.all') },
              { value: 'any', label: t('audiences.any') },
            ]}
          />
        </Group>
        {group.children.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('audiences.noConditions')}
          </Text>
        )}
        {group.children.map((n, i) => (
          <Group key={n.key} align="flex-end" wrap="nowrap" gap="xs">
            <div style={{ flex: 1 }}>
              {n.kind === 'group' ? (
                <RuleBuilder group={n} onChange={(g) => set(i, g)} fields={fields} depth={depth + 1} />
              ) : n.kind === 'property' ? (
                <Group gap="xs" align="flex-end">
                  <Autocomplete
                    label={t('audiences.property')}
                    data={fields.properties.map((p) => p.name)}
                    value={n.property}
                    onChange={(v) => set(i, { ...n, property: v })}
                  />
                  <Select
                    label={t('audiences.op')}
                    data={PROPERTY_OPS.map((o) => ({ value: o, label: t(`audiences.ops.${o}`) }))}
                    value={n.op}
                    allowDeselect={false}
                    onChange={(v) => set(i, { ...n, op: (v ?? 'equals') as PropertyOp })}
                  />
                  {n.op !== 'exists' && n.op !== 'not_exists' && (
                    <TextInput
                      label={
                        n.op === 'in'
                          ? t('audiences.values')
                          : n.op === 'within_last_days' || n.op === 'before_days_ago'
                            ? t('audiences.days')
                            : t('audiences.value')
                      }
                      description={fields.properties.find((p) => p.name === n.property)?.type}
                      value={n.value}
                      onChange={(e) => set(i, { ...n, value: e.currentTarget.value })}
                    />
                  )}
                </Group>
              ) : n.kind === 'consent' ? (
                <Group gap="xs" align="flex-end">
                  <Select
                    label={t('audiences.consentFlag')}
                    data={CONSENT_FLAGS}
                    value={n.flag}
                    allowDeselect={false}
                    onChange={(v) => set(i, { ...n, flag: v ?? CONSENT_FLAGS[0] })}
                  />
                  <Switch
                    label={n.value ? t('audiences.optedIn') : t('audiences.notOptedIn')}
                    checked={n.value}
                    onChange={(e) => set(i, { ...n, value: e.currentTarget.checked })}
                    mb={6}
                  />
                </Group>
              ) : (
                <Group gap="xs" align="flex-end">
                  <Autocomplete label={t('audiences.event')} data={fields.events} value={n.event} onChange={(v) => set(i, { ...n, event: v })} />
                  <Select
                    label={t('audiences.performed')}
                    data={[
                      { value: 'yes', label: t('audiences.didPerform') },
                      { value: 'no', label: t('audiences.didNotPerform') },
                    ]}
                    value={n.performed ? 'yes' : 'no'}
                    allowDeselect={false}
                    onChange={(v) => set(i, { ...n, performed: v !== 'no' })}
                  />
                  <NumberInput
                    label={t('audiences.minCount')}
                    min={1}
                    max={1_000_000}
                    value={n.minCount}
                    onChange={(v) => set(i, { ...n, minCount: typeof v === 'number' ? v : 1 })}
                    w={110}
                  />
                  <NumberInput
                    label={t('audiences.withinDays')}
                    min={1}
                    value={n.withinLastDays ?? ''}
                    placeholder={t('audiences.allTime')}
                    onChange={(v) => set(i, { ...n, withinLastDays: typeof v === 'number' ? v : null })}
                    w={140}
                  />
                </Group>
              )}
            </div>
            <ActionIcon variant="subtle" color="red" onClick={() => remove(i)} aria-label={t('audiences.removeCondition', { n: i + 1 })} mb={4}>
              ✕
            </ActionIcon>
          </Group>
        ))}
        <Group gap="xs">
          <Button
            size="xs"
            variant="light"
            onClick={() => add({ kind: 'property', key: newKey(), property: fields.properties[0]?.name ?? '', op: 'equals', value: '' })}
          >
            {t('audiences.addProperty')}
          </Button>
          <Button size="xs" variant="light" onClick={() => add({ kind: 'consent', key: newKey(), flag: CONSENT_FLAGS[0], value: true })}>
            {t('audiences.addConsent')}
          </Button>
          <Button
            size="xs"
            variant="light"
            onClick={() => add({ kind: 'event', key: newKey(), event: fields.events[0] ?? '', performed: true, minCount: 1, withinLastDays: 30 })}
          >
            {t('audiences.addEvent')}
          </Button>
          {depth < 4 && (
            <Button size="xs" variant="subtle" onClick={() => add(emptyGroup(group.combine === 'all' ? 'any' : 'all'))}>
              {t('audiences.addGroup')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
