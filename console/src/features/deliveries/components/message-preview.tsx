import { Badge, Box, Button, Group, Image, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * A message as its recipient would see it: a push as a notification card, a text message as a phone bubble with the
 * sender number, a Kakao message as a Kakao bubble with its buttons, an email in a sandboxed iframe. Takes either the
 * provider message the sandbox recorded (camelCase: `deepLink`, `templateCode`) or a delivery's rendered message
 * (snake_case: `deep_link`, `template_code`).
 */
type Message = Record<string, unknown>;
export interface KakaoButton {
  type?: string;
  name?: string;
  linkMo?: string;
  linkPc?: string;
}

const str = (m: Message, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = m[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
};

/**
 * The email's HTML for the preview iframe. The iframe is `sandbox=""` (no scripts, no forms, no same-origin access);
 * on top, a Content-Security-Policy loads no remote image (the open pixel would count an open) and links are not
 * followable (a tracked link would count a click).
 */
export function emailDocument(html: string): string {
  const head =
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\'">' +
    '<style>a{pointer-events:none;cursor:default}body{font-family:sans-serif;margin:12px}</style>';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (h) => h + head) : `<!doctype html><html><head>${head}</head><body>${html}</body></html>`;
}

export function MessagePreview({
  channel,
  message,
  recipient,
  kakaoButtons,
}: {
  channel: string;
  message: Message;
  recipient?: string | null;
  kakaoButtons?: (templateCode: string) => KakaoButton[] | undefined;
}) {
  const { t } = useTranslation();
  const friendtalk = channel === 'kakao_friendtalk' || message.kind === 'friendtalk';
  if (channel === 'push' || channel === 'web_push') {
    const image = str(message, 'imageUrl', 'image_url');
    const link = str(message, 'deepLink', 'deep_link', 'url');
    return (
      <Paper withBorder radius="lg" p="sm" shadow="sm" maw={380} bg="gray.0" data-testid="preview-push">
        <Group gap={6} mb={4}>
          <Box w={16} h={16} bg="indigo.6" style={{ borderRadius: 4 }} aria-hidden />
          <Text size="xs" c="dimmed">
            {t('deliveries.outbox.pushApp')} · {t('deliveries.outbox.now')}
          </Text>
        </Group>
        <Text fw={700} size="sm">
          {str(message, 'title') ?? ''}
        </Text>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {str(message, 'body') ?? t('deliveries.outbox.noBody')}
        </Text>
        {image && <Image src={image} alt="" radius="sm" mt="xs" h={120} fit="cover" />}
        {link && (
          <Text size="xs" c="dimmed" mt={4} ff="monospace">
            {t('deliveries.outbox.link', { link })}
          </Text>
        )}
      </Paper>
    );
  }
  if (channel === 'text_message') {
    const kind = str(message, 'kind') ?? 'sms';
    return (
      <Paper withBorder radius="xl" p="md" maw={360} bg="gray.1" data-testid="preview-text">
        <Group justify="space-between" mb="xs">
          <Text size="sm" fw={700}>
            {str(message, 'from') ?? '—'}
          </Text>
          <Badge size="sm" variant="light" tt="uppercase">
            {kind}
          </Badge>
        </Group>
        <Box bg="white" p="sm" style={{ borderRadius: '16px 16px 16px 4px' }}>
          {str(message, 'title') && (
            <Text fw={700} size="sm">
              {str(message, 'title')}
            </Text>
          )}
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {str(message, 'body') ?? t('deliveries.outbox.noBody')}
          </Text>
        </Box>
      </Paper>
    );
  }
  if (channel === 'kakao_alimtalk' || friendtalk) {
    const code = str(message, 'templateCode', 'template_code');
    const buttons = code ? (kakaoButtons?.(code) ?? []) : [];
    const ad = message.isAd === true || message.is_ad === true;
    return (
      <Paper radius="lg" p="md" maw={360} bg="#abc1d1" data-testid="preview-kakao">
        <Text size="xs" c="dark.7" mb={4}>
          {t('deliveries.outbox.kakaoChannel', { key: str(message, 'senderKey', 'sender_key') ?? '—' })}
        </Text>
        <Paper radius="md" bg="white" style={{ overflow: 'hidden' }}>
          <Box bg="#fee500" px="sm" py={6}>
            <Text size="xs" fw={700} c="dark.9">
              {friendtalk ? (ad ? t('deliveries.outbox.ad') : 'Kakao') : code ? t('deliveries.outbox.template', { code }) : 'Kakao'}
            </Text>
          </Box>
          <Text size="sm" p="sm" c="dark.9" style={{ whiteSpace: 'pre-wrap' }}>
            {str(message, 'content', 'text') ?? t('deliveries.outbox.noBody')}
          </Text>
          {buttons.length > 0 && (
            <Stack gap={4} p="sm" pt={0}>
              {buttons.map((b) => (
                <Button key={`${b.type}:${b.name}:${b.linkMo ?? b.linkPc ?? ''}`} variant="default" size="xs" fullWidth tabIndex={-1} component="span">
                  {b.name}
                </Button>
              ))}
            </Stack>
          )}
        </Paper>
      </Paper>
    );
  }
  if (channel === 'email') {
    const from = message.from as { address?: string; name?: string } | undefined;
    const fromText = from?.address
      ? from.name
        ? `${from.name} <${from.address}>`
        : from.address
      : (str(message, 'from_address') ?? '') + (str(message, 'from_name') ? ` (${str(message, 'from_name')})` : '');
    const html = str(message, 'html');
    const text = str(message, 'text');
    return (
      <Paper withBorder radius="md" maw={640} data-testid="preview-email" style={{ overflow: 'hidden' }}>
        <Stack gap={2} p="sm" bg="gray.0">
          <Text size="sm">
            <Text span fw={700}>
              {t('deliveries.outbox.subject')}:
            </Text>{' '}
            {str(message, 'subject') ?? ''}
          </Text>
          <Text size="xs" c="dimmed">
            {t('deliveries.outbox.from', { from: fromText || '—' })}
            {recipient ? ` · ${t('deliveries.outbox.to', { recipient })}` : ''}
          </Text>
        </Stack>
        {html ? (
          <iframe
            sandbox=""
            title={t('deliveries.outbox.emailFrame')}
            srcDoc={emailDocument(html)}
            style={{ width: '100%', height: 220, border: 0, background: 'white', display: 'block' }}
          />
        ) : (
          <Text size="sm" p="sm" style={{ whiteSpace: 'pre-wrap' }} aria-label={t('deliveries.outbox.textOnly')}>
            {text ?? t('deliveries.outbox.noBody')}
          </Text>
        )}
      </Paper>
    );
  }
  return (
    <Text size="xs" ff="monospace">
      {JSON.stringify(message)}
    </Text>
  );
}
