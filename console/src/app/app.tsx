import { useMemo } from 'react';
import { Alert, MantineProvider, Modal, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { queryClient } from '../lib/query-client';
import { router } from './router';

const baseTheme = {
  primaryColor: 'indigo',
  // White on indigo-8 keeps 4.5:1 (indigo-6, the default shade, does not).
  primaryShade: 8 as const,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif',
};

/**
 * Secondary text (Text c="dimmed", input descriptions) at gray-7: Mantine's default gray-6 is below the 4.5:1
 * contrast WCAG AA asks for on white and gray-0 (axe "color-contrast").
 */
const resolver: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

export function App() {
  const { t } = useTranslation();
  // Defaults every dialog and alert shares: a named close button; alert titles in black (the coloured title of
  // Mantine's light variant is below 4.5:1 on its own tint).
  const theme = useMemo(
    () =>
      createTheme({
        ...baseTheme,
        components: {
          Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': t('common.close') } } }),
          Alert: Alert.extend({ styles: { title: { color: 'var(--mantine-color-black)' } } }),
        },
      }),
    // t changes identity when the language changes, so the labels follow the language.
    [t],
  );
  return (
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={resolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
