import { Tabs } from '@mantine/core';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { useSession } from '../../features/auth/api/get-session';
import { GeneralSettings } from '../../features/settings/components/general-settings';
import { ChannelsPanel } from '../../features/channels/components/channels-panel';
import { UsersPanel } from '../../features/users/components/users-panel';
import { AuditLog } from '../../features/audit/components/audit-log';

const TABS = ['general', 'channels', 'users', 'audit'] as const;

export function SettingsPage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const session = useSession();
  const navigate = useNavigate();
  const { tab = 'general' } = useParams();
  const owner = role === 'owner';
  const tabs = TABS.filter((x) => x === 'general' || owner);
  return (
    <>
      <PageHeader title={t('settings.title')} />
      <Tabs
        value={tabs.includes(tab as 'general') ? tab : 'general'}
        onChange={(v) => navigate(`/p/${project.id}/settings/${v ?? 'general'}`)}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          {tabs.map((x) => (
            <Tabs.Tab key={x} value={x}>
              {t(`settings.tabs.${x}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="general">
          <GeneralSettings canEdit={owner} />
        </Tabs.Panel>
        {owner && (
          <Tabs.Panel value="channels">
            <ChannelsPanel canEdit={owner} />
          </Tabs.Panel>
        )}
        {owner && (
          <Tabs.Panel value="users">
            <UsersPanel currentUserId={session.data?.user.id ?? ''} />
          </Tabs.Panel>
        )}
        {owner && (
          <Tabs.Panel value="audit">
            <AuditLog />
          </Tabs.Panel>
        )}
      </Tabs>
    </>
  );
}
