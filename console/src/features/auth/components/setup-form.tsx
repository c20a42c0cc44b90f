import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { EmailField, NewPasswordField, accountRules } from '../../../components/account-fields';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/query-state';
import { useSetup } from '../api/setup';

export function SetupForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const setup = useSetup();
  const rules = accountRules(t);
  const form = useForm({
    initialValues: { setupToken: '', email: '', password: '', confirm: '' },
    validate: {
      setupToken: (v) => (v.trim() ? null : t('setup.tokenRequired')),
      email: rules.email,
      password: rules.newPassword,
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
        <EmailField {...form.getInputProps('email')} />
        <NewPasswordField {...form.getInputProps('password')} />
        <PasswordInput label={t('setup.confirm')} autoComplete="new-password" required {...form.getInputProps('confirm')} />
        <Button type="submit" loading={setup.isPending}>
          {t('setup.create')}
        </Button>
      </Stack>
    </form>
  );
}
