import type { FastifyInstance } from 'fastify';
import type { DepsOf, Services } from '../../services.ts';
import { notiflyAuthenticateRoutes } from './authenticate.routes.ts';
import { notiflyDataRoutes } from './data.routes.ts';
import { notiflyErrorHandler, renderDataError } from './envelope.ts';
import { methodNotAllowed } from './methods.ts';
import { notiflyMessagesRoutes } from './messages.routes.ts';
import { notiflyBlocklistRoutes } from './blocklist.routes.ts';

/** What this module uses of the composition root (the dependency rules in .dependency-cruiser.cjs). */
type Deps = Pick<Services, 'config'> &
  DepsOf<typeof notiflyAuthenticateRoutes> &
  DepsOf<typeof notiflyDataRoutes> &
  DepsOf<typeof notiflyMessagesRoutes> &
  DepsOf<typeof notiflyBlocklistRoutes>;

/**
 * The Notifly face (seed 004), mounted at the root as an encapsulated plugin: its error handler (the `{data, error}`
 * envelope) and its 405 answers apply to its own paths only. Each group of endpoints is a child plugin with its own
 * hooks (the campaign and messaging endpoints register theirs here, with the campaign envelope where the seed says).
 */
export async function notiflyRoutes(app: FastifyInstance, opts: { runtime: Deps }) {
  const { runtime } = opts;
  app.setErrorHandler(notiflyErrorHandler({ render: renderDataError, bodyLimit: runtime.config.bodyLimit }));

  methodNotAllowed(app, '/authenticate', ['POST']);
  methodNotAllowed(app, '/track-event', ['POST']);
  methodNotAllowed(app, '/set-user-properties', ['POST']);
  methodNotAllowed(app, '/users', ['DELETE']);

  await app.register(notiflyAuthenticateRoutes, { runtime });
  await app.register(notiflyDataRoutes, { runtime });
  // Direct messages and the 080 block list (seed 004 §6–9), in the messaging envelope {success} / {error}.
  await app.register(notiflyMessagesRoutes, { runtime });
  await app.register(notiflyBlocklistRoutes, { runtime });
}
