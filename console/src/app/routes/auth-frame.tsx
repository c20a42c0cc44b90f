import type { ReactNode } from 'react';
import { Center, Paper, Stack, Text, Title } from '@mantine/core';
import { LanguageSwitch } from './language-switch';

/** The frame of the pages before a session (sign-in, first-run setup): a card with the title, the form, the language switch. */
export function AuthFrame({ title, subtitle, width, children }: { title: string; subtitle: string; width: number; children: ReactNode }) {
  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={width} maw="94vw">
        <Stack>
          <div>
            <Title order={1} size="h2">
              {title}
            </Title>
            <Text c="dimmed" size="sm">
              {subtitle}
            </Text>
          </div>
          {children}
          <LanguageSwitch />
        </Stack>
      </Paper>
    </Center>
  );
}
