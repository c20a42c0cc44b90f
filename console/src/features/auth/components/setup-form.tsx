import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useSetup } from '../api/setup';
import { PASSWORD_MIN, validEmail, validPassword } from '../../../lib/account-rules';

export function SetupForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const setup = useSetup();
  const form = useForm({
    initialValues: { setupToken: '', email: '', password: '', confirm: '' },
    validate: {
      setupToken: (v) => (v.trim() ? null : t('setup.tokenRequired')),
      email: (v) => (validEmail(v) ? null : t('auth.emailInvalid')),
      password: (v) => (validPassword(v) ? null : t('auth.passwordTooShort', { min: PASSWORD_MIN })),
      confirm: (v, all) => (v === all.password ? null : t('setup.passwordsDiffer')),
    },
  });
  return (
    <form
      onSubmit={form.onSubmit((v) => setup.mutate({ setupToken: v.setupToken.trim(), email: v.email.trim(), password: v.password }, { onSuccess: onDone }))}
      noValidate
    >
      <Stack>
        {setup.error && <ErrorAlert error={setup.error} />}
        <TextInput label={t('setup.token')} description={t('setup.tokenHelp')} required autoComplete="off" {...form.getInputProps('setupToken')} />
        <TextInput label={t('auth.email')} type="email" autoComplete="username" required {...form.getInputProps('email')} />
        <PasswordInput
          label={t('auth.password')}
          description={t('auth.passwordRule', { min: PASSWORD_MIN })}
          autoComplete="new-password"
          required
          {...form.getInputProps('password')}
        />
        <PasswordInput label={t('setup.confirm')} autoComplete="new-password" required {...form.getInputProps('confirm')} />
        <Button type="submit" loading={setup.isPending}>
          {t('setup.create')}
        </Button>
      </Stack>
    </form>
  );
}
