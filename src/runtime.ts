import type { Config } from './platform/config.ts';
import type { Services } from './services.ts';
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
import { EventStorage } from './core/events/event-storage.ts';
import { EventsService } from './core/events/events.service.ts';
import { RateLimiter } from './core/limits/rate-limits.ts';
import { DeletionService, type Eraser } from './core/deletion/deletion.service.ts';
import { SessionTokenService } from './core/credentials/session-tokens.ts';
import type { Queue } from './platform/queue/queue.port.ts';
import { LocalQueue } from './platform/queue/local.queue.ts';
import { DevicesService } from './core/devices/devices.service.ts';
import { DeletionJobsService } from './core/deletion/deletion-jobs.service.ts';
import { EventBatchesService } from './core/events/event-batches.service.ts';
import { AudiencesService } from './core/audiences/audiences.service.ts';
import { ExportService } from './core/export/export.service.ts';
import { TemplateRenderer } from './core/templates/templates.ts';
import { CampaignsService } from './core/campaigns/campaigns.service.ts';
import { DeliveriesService } from './core/deliveries/deliveries.service.ts';
import { DELIVERY_LEASE_MS, DELIVERY_QUEUE, DeliveryWorker, type DeliveryJob } from './core/deliveries/delivery-worker.ts';
import { CampaignTriggers } from './core/deliveries/triggers.service.ts';
import { CampaignStatsService } from './core/deliveries/stats.service.ts';
import { TrackingService } from './core/deliveries/tracking.service.ts';
import { SandboxOutbox } from './channels/sandbox/outbox.ts';
import { builtInRegistry, type ChannelProviderRegistry } from './channels/registry.ts';
import { BuiltInChannelVendors } from './channels/vendors/built-in-vendors.ts';
import { createOutboundGuard } from './platform/outbound-guard.ts';
import { ChannelTestService } from './core/channel-config/channel-test.service.ts';
import { ChannelConfigService } from './core/channel-config/channel-config.service.ts';
import { UnsubscribeService } from './core/unsubscribe/unsubscribe.service.ts';
import { SdkService } from './core/sdk/sdk.service.ts';
import { MessagingSetupService } from './core/messaging/messaging-setup.service.ts';
import { DirectMessagesService } from './core/messaging/direct-messages.service.ts';
import { ConsentService } from './core/consent/consent.service.ts';
import { DeliveryResultsService } from './core/messaging/delivery-results.service.ts';
import { Backlog } from './core/limits/backlog.ts';
import { countAll as repoCountAllBatches } from './core/events/event-batches.repository.ts';
import { BlocklistService } from './core/blocklist/blocklist.service.ts';
import { AuditService, RejectedRequestsService } from './core/audit/audit.service.ts';
import { UsersService } from './core/accounts/users.service.ts';
import { ConsoleSessionsService } from './core/accounts/sessions.service.ts';
import { taxonomyLimitsOf } from './core/taxonomy/taxonomy-limits.ts';
import { BrowseService } from './core/browse/browse.service.ts';
import { IdempotencyService } from './core/idempotency/idempotency.service.ts';

/**
 * The composition root: builds every adapter and service from the configuration with plain constructors.
 * The server, the worker and the CLI all start from here; nothing else constructs services.
 */
/** The composition root's product: every service, built by createRuntime. */
export type Runtime = Services;

export interface RuntimeOptions {
  clock?: Clock;
  log?: Logger;
  store?: Store;
  limits?: Limits;
  queue?: Queue;
  /** Skip migrations (they are applied by default). */
  skipMigrations?: boolean;
  /** More erasers run with every profile deletion, after the built-in ones (tests use it to fail a deletion on purpose). */
  erasers?: readonly Eraser[];
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config);
  const store = options.store ?? (await openStore(config));
  if (!options.skipMigrations) {
    const applied = await store.migrate();
    if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
  }
  const metrics = createMetrics();
  store.onCommit = (seconds, units) => {
    metrics.storeCommits.inc();
    metrics.storeUnits.inc(units);
    metrics.storeCommitSeconds.observe(seconds);
  };
  // Scale mode (docs/deployment.md): Redis, when configured, carries limits shared by every process and the queue's wake-ups.
  const redisUrl = config.redisUrl;
  if (redisUrl && !options.queue) {
    // BullMQ loses jobs and locks if Redis evicts keys: refuse to start unless maxmemory-policy is noeviction.
    const { checkRedisEviction, RedisEvictionError } = await import('./platform/queue/redis-connection.ts');
    try {
      const policy = await checkRedisEviction(redisUrl);
      if (policy === undefined) log.warn('could not read Redis maxmemory-policy (CONFIG not allowed); make sure it is noeviction');
    } catch (err) {
      if (err instanceof RedisEvictionError) {
        await store.close();
        throw err;
      }
      log.warn({ err }, 'could not reach Redis to check its maxmemory-policy; the queue retries in the background');
    }
  }
  const limits =
    options.limits ??
    (redisUrl
      ? await (await import('./platform/limits/redis.limits.ts')).openRedisLimits({
          url: redisUrl,
          prefix: config.redisPrefix,
          clock,
          log,
          registry: metrics.registry,
        })
      : new MemoryLimits(clock));
  const queue =
    options.queue ??
    (redisUrl
      ? new (await import('./platform/queue/bullmq.queue.ts')).BullmqQueue({
          store,
          clock,
          log,
          redisUrl,
          prefix: config.redisPrefix,
          heartbeatLeaseMs: config.workerLeaseSeconds * 1000,
        })
      : new LocalQueue({ store, clock, log }));

  const audit = new AuditService({ store, clock });
  const rejectedRequests = new RejectedRequestsService({ store, clock, limits });
  const credentials = new CredentialsService({ store, clock, audit });
  const taxonomy = new TaxonomyService({ store, clock });
  const projects = new ProjectsService({ store, clock, credentials, taxonomy, audit });
  taxonomy.limitsFrom(async (projectId) => taxonomyLimitsOf((await projects.get(projectId)).settings));
  const identity = new IdentityService({ store, identifiersPerType: config.identifiersPerType });
  const profiles = new ProfilesService({ store, clock, identity, taxonomy, projects, config });
  const eventStorage = new EventStorage({
    store,
    log,
    onMerged: (_stored, duplicates) => {
      if (duplicates > 0) metrics.eventsDuplicate.inc(duplicates);
    },
  });
  // Events acknowledged from the ingest log before a crash or stop are merged before anything reads them.
  if (!options.skipMigrations) await eventStorage.flush();
  const rateLimiter = new RateLimiter({ limits });
  const users = new UsersService({ store, clock, projects, audit });
  const consoleSessions = new ConsoleSessionsService({
    store,
    clock,
    limits,
    users,
    idleSeconds: config.sessionIdleSeconds,
    maxAgeSeconds: config.sessionMaxAgeSeconds,
  });
  const devices = new DevicesService({ store, clock, identity, identifiersPerType: config.identifiersPerType });
  // Reads of events merge the ingest log first; `events` is built below (it needs the campaign triggers).
  const flushEvents = (): Promise<void> => events.flush();
  const audiences = new AudiencesService({ store, clock, taxonomy, projects, flushEvents });
  const exports = new ExportService({ store, clock, taxonomy, projects, audiences, flushEvents });

  // Campaign engine (docs/campaigns.md): campaigns, deliveries through the channel provider registry, triggers, stats.
  const templates = new TemplateRenderer();
  const campaigns = new CampaignsService({ store, clock, queue, projects, profiles, taxonomy, renderer: templates, audit });
  const sandboxOutbox = new SandboxOutbox({ store, clock });
  // Channel providers (docs/providers.md): each project's vendor and sealed config per channel, the sandbox otherwise.
  // One outbound guard: every provider connection, and the check when a config is saved, go through it (D14).
  const network = createOutboundGuard({ allowPrivateNetworks: config.allowPrivateNetworks });
  const channelConfigs = new ChannelConfigService({
    store,
    clock,
    log,
    projects,
    secretKey: config.secretKey,
    audit,
    vendors: new BuiltInChannelVendors({ clock, log, allowPrivateNetworks: config.allowPrivateNetworks, network, sandboxOutbox }),
  });
  await channelConfigs.load();
  channelConfigs.startRefresh();
  const providers = builtInRegistry({
    clock,
    log,
    allowPrivateNetworks: config.allowPrivateNetworks,
    network,
    sandboxOutbox,
    configSource: channelConfigs.source,
  });
  const unsubscribe = new UnsubscribeService({ store, clock, log, projects, profiles, publicUrl: config.publicUrl });
  const sdk = new SdkService({ projects, devices, channelConfigs });
  const tracking = new TrackingService({ store, clock, projects, publicUrl: config.publicUrl });
  // Idempotency-Key (Stripe's rule): one key store for the campaign and direct sends.
  const idempotency = new IdempotencyService({ store, clock });
  const deliveries = new DeliveriesService({
    store,
    clock,
    queue,
    projects,
    campaigns,
    idempotency,
    defaultPhoneRegion: config.defaultPhoneRegion,
    backlog: new Backlog({
      kind: 'deliveries',
      max: config.backlogMaxDeliveries,
      now: () => clock.now(),
      count: async () => {
        const c = await queue.counts(DELIVERY_QUEUE);
        return c.pending + c.running;
      },
      onRefused: (kind) => metrics.backlogRefused.inc({ kind }),
    }),
    // An erased delivery's sandbox message goes with it.
    eraseHooks: [(tx, projectId, keys) => sandboxOutbox.erase(tx, projectId, keys)],
  });
  const campaignTriggers = new CampaignTriggers({ store, clock, log, queue, projects, campaigns, deliveries, tracking, audiences });
  const events = new EventsService({ store, clock, identity, profiles, taxonomy, storage: eventStorage, listeners: [campaignTriggers.listener] });
  const eventBatches = new EventBatchesService({
    store,
    clock,
    queue,
    events,
    profiles,
    taxonomy,
    log,
    metrics,
    backlog: new Backlog({
      kind: 'event_batches',
      max: config.backlogMaxBatches,
      now: () => clock.now(),
      count: () => repoCountAllBatches(store.db),
      onRefused: (kind) => metrics.backlogRefused.inc({ kind }),
    }),
  });
  const sessionTokens = new SessionTokenService({ store, clock, credentials, projects, rateLimiter, limits, secret: config.tokenSecret });

  // Korean messaging (docs/korean-messaging.md): direct messages are deliveries of the pipeline above; the 080 block
  // list and the night rule of advertising Kakao messages are delivery filters; text results are polled or called back.
  const messagingSetup = new MessagingSetupService({ store, clock, projects, providers });
  const directMessages = new DirectMessagesService({
    store,
    clock,
    projects,
    setup: messagingSetup,
    deliveries,
    idempotency,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  const channelTests = new ChannelTestService({ store, projects, providers, setup: messagingSetup, audit, defaultPhoneRegion: config.defaultPhoneRegion });
  // Consent records and notices (docs/korean-messaging.md "Consent records"): notices are deliveries of a campaign.
  const consent = new ConsentService({ store, clock, log, queue, projects, profiles, campaigns, deliveries });
  const blocklist = new BlocklistService({ store, clock, projects, profiles, consent, defaultPhoneRegion: config.defaultPhoneRegion });
  const deliveryResults = new DeliveryResultsService({ store, clock, log, queue, projects, providers });
  const deliveryWorker = new DeliveryWorker({
    store,
    clock,
    log,
    queue,
    projects,
    campaigns,
    renderer: templates,
    providers,
    tracking,
    unsubscribe,
    addresses: {
      removePushToken: (projectId, token) => devices.removeToken(projectId, token),
      removeWebPushSubscription: (projectId, deviceId) => devices.setWebPushSubscription({ projectId, deviceId, subscription: null }),
    },
    filters: [blocklist.filter],
    sentHooks: [deliveryResults.onSent],
  });
  queue.handle<DeliveryJob>(DELIVERY_QUEUE, (job) => deliveryWorker.process(job), { concurrency: config.deliveryConcurrency, leaseMs: DELIVERY_LEASE_MS });
  const campaignStats = new CampaignStatsService({ store, clock, projects, campaigns });

  // Deletion (D9): a profile's consent records, deliveries and events go with it.
  const deletion = new DeletionService({
    store,
    clock,
    defaultPhoneRegion: config.defaultPhoneRegion,
    erasers: [consent.eraser, deliveries.eraser, eventStorage.eraser, ...(options.erasers ?? [])],
  });
  const deletionJobs = new DeletionJobsService({
    store,
    clock,
    queue,
    deletion,
    log,
    audit,
    flushers: [
      // Events accepted before a deletion request are stored before the deletion erases them ...
      (projectId, acceptedUpTo, externalIds) => eventBatches.applyPending(projectId, acceptedUpTo, externalIds),
      // ... and merged out of the ingest log, so a deletion's counts name each erased event once.
      () => events.flush(),
    ],
  });

  const closers: (() => Promise<void>)[] = [() => channelConfigs.stop(), () => providers.close()];
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
    eventStorage,
    rateLimiter,
    deletion,
    devices,
    deletionJobs,
    eventBatches,
    sessionTokens,
    audiences,
    exports,
    campaigns,
    deliveries,
    deliveryWorker,
    campaignTriggers,
    campaignStats,
    tracking,
    sandboxOutbox,
    providers,
    channelConfigs,
    channelTests,
    unsubscribe,
    sdk,
    messagingSetup,
    directMessages,
    blocklist,
    consent,
    deliveryResults,
    audit,
    users,
    consoleSessions,
    rejectedRequests,
    browse: new BrowseService({ store, clock, projects, rejected: rejectedRequests, defaultPhoneRegion: config.defaultPhoneRegion }),
    async close() {
      await queue.stop();
      await eventStorage.close();
      for (const c of closers.reverse()) await c();
      await limits.close();
      await store.close();
    },
  };
}
