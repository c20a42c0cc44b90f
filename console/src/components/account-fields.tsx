import { PasswordInput, TextInput, type PasswordInputProps, type TextInputProps } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN, validEmail, validPassword } from '../lib/account-rules';

/** The email field of every account form (sign-in, setup, adding a user). */
export function EmailField(props: Omit<TextInputProps, 'label' | 'type'>) {
  const { t } = useTranslation();
  return <TextInput label={t('auth.email')} type="email" autoComplete="username" required {...props} />;
}

/** A field for a new password, with the rule the server applies. */
export function NewPasswordField({ label, ...props }: Omit<PasswordInputProps, 'description'>) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      label={label ?? t('auth.password')}
      description={t('auth.passwordRule', { min: PASSWORD_MIN })}
      autoComplete="new-password"
      required
      {...props}
    />
  );
}

/** The checks of those fields (as the server makes them), for @mantine/form's validate. */
export const accountRules = (t: TFunction) => ({
  email: (v: string) => (validEmail(v) ? null : t('auth.emailInvalid')),
  newPassword: (v: string) => (validPassword(v) ? null : t('auth.passwordTooShort', { min: PASSWORD_MIN })),
});
