import { Alert, Anchor, Container } from '@mantine/core';
import { Link, useRouteError } from 'react-router';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../components/query-state';

export function RouteError() {
  const { t } = useTranslation();
  const err = useRouteError();
  return (
    <Container size="sm" py="xl">
      <Alert color="red" title={t('common.error')} role="alert">
        {errorMessage(err)}{' '}
        <Anchor component={Link} to="/">
          {t('nav.projects')}
        </Anchor>
      </Alert>
    </Container>
  );
}
