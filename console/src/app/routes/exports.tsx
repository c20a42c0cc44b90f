import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { ExportForm } from '../../features/exports/components/export-form';

export function ExportsPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('exports.title')} description={t('exports.description')} />
      <ExportForm />
    </>
  );
}
