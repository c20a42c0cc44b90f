import { ActionIcon, Alert, Code, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** New secrets, shown once: each with a copy button. */
export function SecretsOnce({ secrets }: { secrets: Record<string, string> }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" title={t('credentials.shownOnce')} role="status">
      <Stack gap="xs">
        <Text size="sm">{t('credentials.shownOnceHelp')}</Text>
        {Object.entries(secrets).map(([kind, secret]) => (
          <Group key={kind} gap="xs" wrap="nowrap">
            <Text size="sm" fw={600} miw={110}>
              {kind}
            </Text>
            <Code style={{ wordBreak: 'break-all' }} data-testid={`secret-${kind}`}>
              {secret}
            </Code>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? t('common.copied') : t('common.copy')}>
                  <ActionIcon variant="light" onClick={copy} aria-label={t('credentials.copySecret', { kind })}>
                    {copied ? '✓' : '⧉'}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Group>
        ))}
      </Stack>
    </Alert>
  );
}
