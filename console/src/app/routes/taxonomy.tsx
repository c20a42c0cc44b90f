import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { ErrorAlert } from '../../components/query-state';
import { useCurrentProject } from '../../lib/project-context';
import { TaxonomyPanel } from '../../features/taxonomy/components/taxonomy-panel';
import { useUpdateProjectSettings } from '../../features/settings/api/update-settings';

export function TaxonomyPage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const update = useUpdateProjectSettings(project.id);
  return (
    <>
      <PageHeader title={t('taxonomy.title')} description={t('taxonomy.description')} />
      {update.error && <ErrorAlert error={update.error} />}
      <TaxonomyPanel
        canEdit={role === 'owner'}
        strict={project.settings.strictTaxonomy === true}
        strictPending={update.isPending}
        onStrictChange={(v) =>
          update.mutate(
            { settings: { strictTaxonomy: v } },
            { onSuccess: () => notifications.show({ color: 'green', message: v ? t('taxonomy.strictOn') : t('taxonomy.strictOff') }) },
          )
        }
      />
    </>
  );
}
