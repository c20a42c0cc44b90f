import { AppShell, Burger, Button, Group, NavLink, Select, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import './shell.css';
import { Link, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { setLanguage, type Language } from '../lib/i18n';
import { useSession } from '../features/auth/api/get-session';
import { useSignOut } from '../features/auth/api/sign-out';
import { roleIn } from '../features/auth/api/types';
import { useProjects } from '../features/projects/api/list-projects';

const PAGES = ['overview', 'taxonomy', 'credentials', 'profiles', 'events', 'audiences', 'campaigns', 'outbox', 'messaging', 'exports', 'settings'] as const;

export function Shell() {
  const { t, i18n } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const projects = useProjects();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const location = useLocation();
  const match = useMatch('/p/:projectId/*');
  const projectId = match?.params.projectId;
  const role = roleIn(session.data?.user, projectId);
  const visible = PAGES.filter((p) => p !== 'credentials' || role === 'owner');
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      {/* A plain fragment link: the browser moves focus to <main tabIndex=-1>. */}
      <a href="#main" className="skip-link">
        {t('common.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Text component={Link} to="/" fw={800} size="lg" c="indigo.8" style={{ textDecoration: 'none' }}>
              maru
            </Text>
            <Select
              aria-label={t('nav.project')}
              placeholder={t('nav.chooseProject')}
              data={(projects.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={projectId ?? null}
              onChange={(v) => v && navigate(`/p/${v}/${match?.params['*']?.split('/')[0] || 'overview'}`)}
              searchable
              w={220}
              size="sm"
            />
          </Group>
          <Group wrap="nowrap" gap="xs">
            <Select
              aria-label={t('nav.language')}
              data={[
                { value: 'ko', label: '한국어' },
                { value: 'en', label: 'English' },
              ]}
              value={i18n.language}
              allowDeselect={false}
              onChange={(v) => v && setLanguage(v as Language)}
              w={110}
              size="sm"
            />
            <Text size="sm" visibleFrom="md">
              {session.data?.user.email}
            </Text>
            <Button
              variant="default"
              size="sm"
              loading={signOut.isPending}
              onClick={() => signOut.mutate(undefined, { onSettled: () => navigate('/sign-in') })}
            >
              {t('auth.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.main')}>
        <NavLink component={Link} to="/" label={t('nav.projects')} active={location.pathname === '/'} onClick={close} />
        {projectId &&
          visible.map((p) => (
            <NavLink
              key={p}
              component={Link}
              to={`/p/${projectId}/${p}`}
              label={t(`nav.${p}`)}
              active={location.pathname.startsWith(`/p/${projectId}/${p}`)}
              aria-current={location.pathname.startsWith(`/p/${projectId}/${p}`) ? 'page' : undefined}
              onClick={close}
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: 'none' }}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
