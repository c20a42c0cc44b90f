import { Button, PasswordInput, Stack } from '@mantine/core';
import { EmailField, accountRules } from '../../../components/account-fields';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../lib/api-client';
import { ErrorAlert } from '../../../components/query-state';
import { useSignIn } from '../api/sign-in';

export function SignInForm({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const signIn = useSignIn();
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: accountRules(t).email,
      password: (v) => (v ? null : t('auth.passwordRequired')),
    },
  });
  const err = signIn.error;
  return (
    <form onSubmit={form.onSubmit((v) => signIn.mutate(v, { onSuccess: onSignedIn }))} noValidate>
      <Stack>
        {err instanceof ApiError && err.status === 401 && <ErrorAlert error={new Error(t('auth.invalidCredentials'))} />}
        {err instanceof ApiError && err.status === 429 && <ErrorAlert error={new Error(t('auth.throttled', { seconds: err.retryAfter ?? 60 }))} />}
        {err && !(err instanceof ApiError && (err.status === 401 || err.status === 429)) && <ErrorAlert error={err} />}
        <EmailField {...form.getInputProps('email')} />
        <PasswordInput label={t('auth.password')} autoComplete="current-password" required {...form.getInputProps('password')} />
        <Button type="submit" loading={signIn.isPending}>
          {t('auth.signIn')}
        </Button>
      </Stack>
    </form>
  );
}
