import type { Config } from './platform/config.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { createLogger, type Logger } from './platform/log.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { openStore } from './platform/db/open-store.ts';
import type { Store } from './platform/db/store.ts';
import type { Limits } from './platform/limits/limits.port.ts';
import { MemoryLimits } from './platform/limits/memory.limits.ts';
import { CredentialsService } from './core/credentials/credentials.service.ts';
import { TaxonomyService } from './core/taxonomy/taxonomy.service.ts';
import { ProjectsService } from './core/projects/projects.service.ts';
import { IdentityService } from './core/identity/identity.service.ts';
import { ProfilesService } from './core/profiles/profiles.service.ts';
import { EventsService } from './core/events/events.service.ts';
import { RateLimiter } from './core/limits/rate-limits.ts';
import { DeletionService } from './core/deletion/deletion.service.ts';
import type { Queue } from './platform/queue/queue.port.ts';
import { LocalQueue } from './platform/queue/local.queue.ts';

/**
 * The composition root: builds every adapter and service from the configuration with plain constructors.
 * The server, the worker and the CLI all start from here; nothing else constructs services.
 */
export interface Runtime {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: Store;
  limits: Limits;
  queue: Queue;
  credentials: CredentialsService;
  taxonomy: TaxonomyService;
  projects: ProjectsService;
  identity: IdentityService;
  profiles: ProfilesService;
  events: EventsService;
  rateLimiter: RateLimiter;
  deletion: DeletionService;
  /** Closes adapters in order (store last, after queued writes commit). */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  log?: Logger;
  store?: Store;
  limits?: Limits;
  queue?: Queue;
  /** Skip migrations (they are applied by default). */
  skipMigrations?: boolean;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config);
  const store = options.store ?? (await openStore(config));
  if (!options.skipMigrations) {
    const applied = await store.migrate();
    if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
  }
  const limits = options.limits ?? new MemoryLimits(clock);
  const metrics = createMetrics();
  const queue = options.queue ?? new LocalQueue({ store, clock, log });

  const credentials = new CredentialsService({ store, clock });
  const taxonomy = new TaxonomyService({ store, clock });
  const projects = new ProjectsService({ store, clock, credentials, taxonomy });
  const identity = new IdentityService({ store, identifiersPerType: config.identifiersPerType });
  const profiles = new ProfilesService({ store, clock, identity, taxonomy, projects, config });
  const events = new EventsService({ store, clock, identity, profiles, taxonomy });
  const rateLimiter = new RateLimiter({ limits });
  const deletion = new DeletionService({ store, clock, defaultPhoneRegion: config.defaultPhoneRegion });

  const closers: (() => Promise<void>)[] = [];
  return {
    config,
    clock,
    log,
    metrics,
    store,
    limits,
    queue,
    credentials,
    taxonomy,
    projects,
    identity,
    profiles,
    events,
    rateLimiter,
    deletion,
    async close() {
      await queue.stop();
      for (const c of closers.reverse()) await c();
      await limits.close();
      await store.close();
    },
  };
}
