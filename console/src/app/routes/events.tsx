import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { EventsPanel } from '../../features/events/components/events-panel';

export function EventsPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('events.title')} description={t('events.description')} />
      <EventsPanel />
    </>
  );
}
