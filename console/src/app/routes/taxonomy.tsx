import { useState } from 'react';
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
  // The switch follows the click at once (until the answer replaces the project, or an error puts it back).
  const [wanted, setWanted] = useState<boolean | null>(null);
  return (
    <>
      <PageHeader title={t('taxonomy.title')} description={t('taxonomy.description')} />
      {update.error && <ErrorAlert error={update.error} />}
      <TaxonomyPanel
        canEdit={role === 'owner'}
        strict={wanted ?? project.settings.strictTaxonomy === true}
        strictPending={update.isPending}
        onStrictChange={(v) => {
          setWanted(v);
          update.mutate(
            { settings: { strictTaxonomy: v } },
            {
              onSuccess: () => notifications.show({ color: 'green', message: v ? t('taxonomy.strictOn') : t('taxonomy.strictOff') }),
              onSettled: () => setWanted(null),
            },
          );
        }}
      />
    </>
  );
}
