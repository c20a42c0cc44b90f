import type { Config } from './platform/config.ts';
import type { Clock } from './platform/clock.ts';
import type { Logger } from './platform/log.ts';
import type { Metrics } from './platform/metrics.ts';
import type { Store } from './platform/db/store.ts';
import type { Limits } from './platform/limits/limits.port.ts';
import type { CredentialsService } from './core/credentials/credentials.service.ts';
import type { TaxonomyService } from './core/taxonomy/taxonomy.service.ts';
import type { ProjectsService } from './core/projects/projects.service.ts';
import type { IdentityService } from './core/identity/identity.service.ts';
import type { ProfilesService } from './core/profiles/profiles.service.ts';
import type { EventStorage } from './core/events/event-storage.ts';
import type { EventsService } from './core/events/events.service.ts';
import type { RateLimiter } from './core/limits/rate-limits.ts';
import type { DeletionService } from './core/deletion/deletion.service.ts';
import type { SessionTokenService } from './core/credentials/session-tokens.ts';
import type { Queue } from './platform/queue/queue.port.ts';
import type { DevicesService } from './core/devices/devices.service.ts';
import type { DeletionJobsService } from './core/deletion/deletion-jobs.service.ts';
import type { EventBatchesService } from './core/events/event-batches.service.ts';
import type { AudiencesService } from './core/audiences/audiences.service.ts';
import type { ExportService } from './core/export/export.service.ts';
import type { CampaignsService } from './core/campaigns/campaigns.service.ts';
import type { DeliveriesService } from './core/deliveries/deliveries.service.ts';
import type { DeliveryWorker } from './core/deliveries/delivery-worker.ts';
import type { CampaignTriggers } from './core/deliveries/triggers.service.ts';
import type { CampaignStatsService } from './core/deliveries/stats.service.ts';
import type { TrackingService } from './core/deliveries/tracking.service.ts';
import type { SandboxOutbox } from './channels/sandbox/outbox.ts';
import type { ChannelProviderRegistry } from './channels/registry.ts';
import type { ChannelConfigService } from './core/channel-config/channel-config.service.ts';
import type { ChannelTestService } from './core/channel-config/channel-test.service.ts';
import type { UnsubscribeService } from './core/unsubscribe/unsubscribe.service.ts';
import type { SdkService } from './core/sdk/sdk.service.ts';
import type { MessagingSetupService } from './core/messaging/messaging-setup.service.ts';
import type { DirectMessagesService } from './core/messaging/direct-messages.service.ts';
import type { ConsentService } from './core/consent/consent.service.ts';
import type { DeliveryResultsService } from './core/messaging/delivery-results.service.ts';
import type { BlocklistService } from './core/blocklist/blocklist.service.ts';
import type { AuditService, RejectedRequestsService } from './core/audit/audit.service.ts';
import type { UsersService } from './core/accounts/users.service.ts';
import type { ConsoleSessionsService } from './core/accounts/sessions.service.ts';
import type { BrowseService } from './core/browse/browse.service.ts';

/**
 * Everything the composition root (runtime.ts) builds, as types only. Faces and the server depend on a `Pick` of
 * this interface naming what they use, never on runtime.ts itself (.dependency-cruiser.cjs).
 */
export interface Services {
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
  /** Where events are written: the ingest log and its merge (SQLite), or `events` directly. */
  eventStorage: EventStorage;
  rateLimiter: RateLimiter;
  deletion: DeletionService;
  devices: DevicesService;
  deletionJobs: DeletionJobsService;
  eventBatches: EventBatchesService;
  sessionTokens: SessionTokenService;
  audiences: AudiencesService;
  exports: ExportService;
  campaigns: CampaignsService;
  deliveries: DeliveriesService;
  deliveryWorker: DeliveryWorker;
  campaignTriggers: CampaignTriggers;
  campaignStats: CampaignStatsService;
  tracking: TrackingService;
  sandboxOutbox: SandboxOutbox;
  providers: ChannelProviderRegistry;
  /** Per-project channel provider configuration, sealed at rest (docs/providers.md). */
  channelConfigs: ChannelConfigService;
  /** "Send a test message" through a channel's provider (docs/providers.md "Testing a channel"). */
  channelTests: ChannelTestService;
  unsubscribe: UnsubscribeService;
  sdk: SdkService;
  /** Korean messaging (docs/korean-messaging.md): setup, direct messages, the 080 block list, delivery results. */
  messagingSetup: MessagingSetupService;
  directMessages: DirectMessagesService;
  blocklist: BlocklistService;
  /** Consent records (every change of an advertising consent) and the consent notices (docs/korean-messaging.md). */
  consent: ConsentService;
  deliveryResults: DeliveryResultsService;
  /** Web console (docs/console.md): the audit log, console users and their sessions, rejected requests per project. */
  audit: AuditService;
  users: UsersService;
  consoleSessions: ConsoleSessionsService;
  rejectedRequests: RejectedRequestsService;
  browse: BrowseService;
  /** Closes adapters in order (store last, after queued writes commit). */
  close(): Promise<void>;
}

/** The part of Services a route plugin registered as `register(plugin, { runtime })` declares it needs. */
export type DepsOf<T extends (app: never, opts: { runtime: never }) => unknown> = Parameters<T>[1]['runtime'];
