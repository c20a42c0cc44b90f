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
                    {copied ? <CheckIcon /> : <CopyIcon />}
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

const CopyIcon = () => (
  <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
  </svg>
);
const CheckIcon = () => (
  <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
    <path d="M5 12l5 5L20 7" />
  </svg>
);
