import { Badge, Box, Group, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Preview } from '../api/campaigns';
import type { Channel } from './campaign-model';

type M = Record<string, unknown>;
const s = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The message as the recipient would see it, from the server's rendering for the chosen profile: a phone frame for
 * push, a text bubble with the carrier byte count and the kind it is sent as, the alimtalk card, an email in a
 * sandboxed iframe (no scripts, no same-origin access: `sandbox=""`).
 */
export function ChannelPreview({ channel, preview, advertising }: { channel: Channel; preview: Preview; advertising: boolean }) {
  const { t } = useTranslation();
  const m = (preview.message ?? {}) as M;
  switch (channel) {
    case 'push':
    case 'web_push':
      return (
        <Box
          role="figure"
          aria-label={t('campaigns.preview.phone')}
          style={{ border: '10px solid #222', borderRadius: 28, padding: 12, maxWidth: 280, margin: '0 auto', background: '#eef1f5', minHeight: 220 }}
        >
          <Text size="xs" c="dimmed" ta="center" mb="xs">
            09:41
          </Text>
          <Paper shadow="xs" p="xs" radius="md" data-testid="push-preview">
            <Text size="xs" c="dimmed">
              {channel === 'push' ? t('campaigns.preview.app') : t('campaigns.preview.browser')}
            </Text>
            <Text fw={600} size="sm">
              {advertising ? `(광고) ${s(m.title)}` : s(m.title)}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {s(m.body)}
            </Text>
          </Paper>
        </Box>
      );
    case 'text_message': {
      const size = preview.text_size;
      return (
        <Stack gap="xs">
          <Box
            role="figure"
            aria-label={t('campaigns.preview.text')}
            style={{ border: '10px solid #222', borderRadius: 28, padding: 12, maxWidth: 280, margin: '0 auto', background: '#fff', minHeight: 160 }}
          >
            {s(m.title) && (
              <Text fw={600} size="sm">
                {s(m.title)}
              </Text>
            )}
            <Paper p="xs" radius="lg" bg="gray.1" data-testid="text-preview">
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {s(m.body)}
              </Text>
            </Paper>
          </Box>
          {size && (
            <Group gap="xs" data-testid="byte-counter" aria-live="polite">
              <Badge color={size.body_bytes > size.limit_bytes ? 'red' : 'blue'} variant="light">
                {t('campaigns.preview.bytes', { bytes: size.body_bytes, limit: size.limit_bytes })}
              </Badge>
              <Badge variant="outline">{t('campaigns.preview.sentAs', { kind: size.kind.toUpperCase() })}</Badge>
              {size.fits_kind !== size.kind && size.kind === 'sms' && <Text size="xs">{t('campaigns.preview.needsLms')}</Text>}
            </Group>
          )}
          {size && advertising && (
            <Text size="xs" c="dimmed">
              {t('campaigns.preview.bytesMarked')}
            </Text>
          )}
          {size?.problems.map((p) => (
            <Text key={p} size="sm" c="red.8" role="alert">
              {p}
            </Text>
          ))}
        </Stack>
      );
    }
    case 'kakao_alimtalk':
      return (
        <Box
          role="figure"
          aria-label={t('campaigns.preview.alimtalk')}
          style={{ background: '#b2c7d9', borderRadius: 12, padding: 12, maxWidth: 300, margin: '0 auto' }}
        >
          <Paper p="sm" radius="md">
            <Text size="xs" fw={700} bg="yellow.4" px="xs" mb="xs" style={{ borderRadius: 4 }}>
              {t('campaigns.preview.alimtalkHeader')}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="alimtalk-preview">
              {s(m.content).replace(/#\{([^{}]+)\}/g, (all, name: string) => (m.parameters as Record<string, string> | undefined)?.[name] ?? all)}
            </Text>
          </Paper>
        </Box>
      );
    case 'email':
      return (
        <Stack gap={4}>
          <Text size="sm">
            <b>{t('campaigns.field.subject')}:</b> {advertising ? `(광고) ${s(m.subject)}` : s(m.subject)}
          </Text>
          <iframe
            sandbox=""
            title={t('campaigns.preview.email')}
            srcDoc={s(m.html) || `<pre style="white-space:pre-wrap;font-family:sans-serif">${escapeHtml(s(m.text))}</pre>`}
            style={{ width: '100%', height: 320, border: '1px solid #ccc', borderRadius: 4, background: '#fff' }}
          />
        </Stack>
      );
  }
}

const escapeHtml = (x: string) => x.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
