import { useMemo } from 'react';
import { Alert, MantineProvider, Modal, NavLink, Notification, createTheme, darken, type CSSVariablesResolver } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { queryClient } from '../lib/query-client';
import { router } from './router';

const baseTheme = {
  primaryColor: 'indigo',
  // Transitions off for people who ask their system for less motion (and in the browser tests, which do).
  respectReducedMotion: true,
  // White on indigo-8 keeps 4.5:1 (indigo-6, the default shade, does not).
  primaryShade: 8 as const,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif',
};

/**
 * Contrast fixes (axe "color-contrast", WCAG AA 4.5:1) in the light scheme:
 * - secondary text (Text c="dimmed", input descriptions) at gray-7: Mantine's gray-6 is below 4.5:1 on white and gray-0;
 * - field errors at red-8 (red-6 on white is 3.3:1);
 * - the text of every light variant (badges, light buttons) at its colour's 9th shade darkened by 40%: Mantine's
 *   default (shade 6) on its own 10% tint is below 4.5:1 for most colours, yellow and green by far.
 */
const resolver: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-8)',
    ...Object.fromEntries(Object.entries(theme.colors).map(([name, shades]) => [`--mantine-color-${name}-light-color`, darken(shades[9], 0.4)])),
  },
  dark: {},
});

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
          Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': t('common.close') } } }),
          // The active link in indigo-9 on indigo-0/1 (5:1 and more, hovered or not); the light variant's default
          // colour on its hover tint is below 4.5:1.
          NavLink: NavLink.extend({
            vars: () => ({
              root: {
                '--nl-bg': 'var(--mantine-color-indigo-0)',
                '--nl-hover': 'var(--mantine-color-indigo-1)',
                '--nl-color': 'var(--mantine-color-indigo-9)',
              },
              children: {},
            }),
          }),
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
