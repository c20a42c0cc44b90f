import { createBrowserRouter } from 'react-router';
import { RequireSession } from './require-session';
import { Shell } from './shell';
import { ProjectScope } from './project-scope';
import { RouteError } from './route-error';

/**
 * Routes under /console. The sign-in, setup and projects pages are in the first chunk; every project page is its
 * own chunk (lazy), so the first page loads only what it needs (the budget test measures it).
 */
export const router = createBrowserRouter(
  [
    { path: '/sign-in', lazy: () => import('./routes/sign-in').then((m) => ({ Component: m.SignInPage })) },
    { path: '/setup', lazy: () => import('./routes/setup').then((m) => ({ Component: m.SetupPage })) },
    {
      element: <RequireSession />,
      errorElement: <RouteError />,
      children: [
        {
          element: <Shell />,
          children: [
            { index: true, lazy: () => import('./routes/projects').then((m) => ({ Component: m.ProjectsPage })) },
            {
              path: 'p/:projectId',
              element: <ProjectScope />,
              children: [
                { path: 'overview', lazy: () => import('./routes/overview').then((m) => ({ Component: m.OverviewPage })) },
                { path: 'taxonomy', lazy: () => import('./routes/taxonomy').then((m) => ({ Component: m.TaxonomyPage })) },
                { path: 'credentials', lazy: () => import('./routes/credentials').then((m) => ({ Component: m.CredentialsPage })) },
                { path: 'profiles', lazy: () => import('./routes/profiles').then((m) => ({ Component: m.ProfilesPage })) },
                { path: 'profiles/:profileId', lazy: () => import('./routes/profile').then((m) => ({ Component: m.ProfilePage })) },
                { path: 'events', lazy: () => import('./routes/events').then((m) => ({ Component: m.EventsPage })) },
                { path: 'audiences', lazy: () => import('./routes/audiences').then((m) => ({ Component: m.AudiencesPage })) },
                { path: 'audiences/new', lazy: () => import('./routes/audience').then((m) => ({ Component: m.AudiencePage })) },
                { path: 'audiences/:audienceId', lazy: () => import('./routes/audience').then((m) => ({ Component: m.AudiencePage })) },
                { path: 'campaigns', lazy: () => import('./routes/campaigns').then((m) => ({ Component: m.CampaignsPage })) },
                { path: 'campaigns/new', lazy: () => import('./routes/campaign').then((m) => ({ Component: m.CampaignPage })) },
                { path: 'campaigns/:campaignId', lazy: () => import('./routes/campaign').then((m) => ({ Component: m.CampaignPage })) },
                { path: 'campaigns/:campaignId/stats', lazy: () => import('./routes/campaign-stats').then((m) => ({ Component: m.CampaignStatsPage })) },
                {
                  path: 'campaigns/:campaignId/deliveries',
                  lazy: () => import('./routes/campaign-deliveries').then((m) => ({ Component: m.CampaignDeliveriesPage })),
                },
                { path: 'deliveries/:deliveryId', lazy: () => import('./routes/delivery').then((m) => ({ Component: m.DeliveryPage })) },
                { path: 'outbox', lazy: () => import('./routes/outbox').then((m) => ({ Component: m.OutboxPage })) },
                { path: 'messaging/:tab?', lazy: () => import('./routes/messaging').then((m) => ({ Component: m.MessagingPage })) },
                { path: 'exports', lazy: () => import('./routes/exports').then((m) => ({ Component: m.ExportsPage })) },
                { path: 'settings/:tab?', lazy: () => import('./routes/settings').then((m) => ({ Component: m.SettingsPage })) },
              ],
            },
            { path: '*', lazy: () => import('./routes/not-found').then((m) => ({ Component: m.NotFoundPage })) },
          ],
        },
      ],
    },
  ],
  { basename: '/console' },
);
