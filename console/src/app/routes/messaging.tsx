import { Alert, Tabs } from '@mantine/core';
import { useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { useCurrentProject } from '../../lib/project-context';
import { TextMessageForm } from '../../features/messaging/components/text-message-form';
import { AlimtalkForm } from '../../features/messaging/components/alimtalk-form';
import { FriendtalkForm } from '../../features/messaging/components/friendtalk-form';
import { BlocklistPanel } from '../../features/messaging/components/blocklist-panel';
import { SendersPanel } from '../../features/messaging/components/senders-panel';

const TABS = ['send', 'blocklist', 'senders'] as const;
const KINDS = ['text', 'alimtalk', 'friendtalk'] as const;

/**
 * Korean messaging (docs/console.md "Text messages, Kakao and the 080 block list"): direct sends (text, alimtalk,
 * friendtalk), the 080 block list, and the sender numbers, Kakao channels and alimtalk templates they go out from.
 * Owners and marketers send and change the block list and templates; owners change sender numbers and channels;
 * viewers read.
 */
export function MessagingPage() {
  const { t } = useTranslation();
  const { project, role } = useCurrentProject();
  const navigate = useNavigate();
  const { tab = 'send' } = useParams();
  const canWrite = role === 'owner' || role === 'marketer';
  const current = (TABS as readonly string[]).includes(tab) ? tab : 'send';
  return (
    <>
      <PageHeader title={t('messaging.title')} description={t('messaging.description')} />
      {!canWrite && (
        <Alert color="gray" role="note" mb="md">
          {t('messaging.readOnly')}
        </Alert>
      )}
      <Tabs value={current} onChange={(v) => navigate(`/p/${project.id}/messaging/${v ?? 'send'}`)} keepMounted={false}>
        <Tabs.List mb="md">
          {TABS.map((x) => (
            <Tabs.Tab key={x} value={x}>
              {t(`messaging.tabs.${x}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="send">
          <Tabs defaultValue="text" variant="pills" keepMounted={false}>
            <Tabs.List mb="md" aria-label={t('messaging.sendKind')}>
              {KINDS.map((k) => (
                <Tabs.Tab key={k} value={k}>
                  {t(`messaging.kinds.${k}`)}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            <Tabs.Panel value="text">
              <TextMessageForm canSend={canWrite} />
            </Tabs.Panel>
            <Tabs.Panel value="alimtalk">
              <AlimtalkForm canSend={canWrite} />
            </Tabs.Panel>
            <Tabs.Panel value="friendtalk">
              <FriendtalkForm canSend={canWrite} />
            </Tabs.Panel>
          </Tabs>
        </Tabs.Panel>
        <Tabs.Panel value="blocklist">
          <BlocklistPanel canEdit={canWrite} />
        </Tabs.Panel>
        <Tabs.Panel value="senders">
          <SendersPanel canAdmin={role === 'owner'} canWrite={canWrite} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
