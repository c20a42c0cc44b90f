import { MaruError, invalid } from '../errors.ts';
import type { ChannelConfigService } from '../channel-config/channel-config.service.ts';
import type { DevicesService } from '../devices/devices.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';

const FIELDS = {
  deviceId: 'device_id',
  externalId: 'user_id',
  platform: 'platform',
  pushToken: 'push_token',
  webPush: 'subscription',
  properties: 'properties',
};

/**
 * What client SDKs may do (docs/providers.md "Web push subscriptions from SDKs"): read a project's VAPID public key,
 * and register or remove the Web Push subscription of a browser (a `web` device).
 *
 * Two levels of trust:
 * - **API key** (the project's Marketap API key, from a server or a trusted relay): may link the device to a user
 *   (`user_id`), which is what makes user-id sends reach the browser.
 * - **Anonymous** (a browser on the customer's site, which can hold no secret): may set or remove the subscription of
 *   a web device id it names, nothing else — no `user_id` (that would let anyone subscribe to another user's
 *   messages), no app devices. The device id is the browser's own random id; the customer's backend links it to the
 *   user (Marketap device bulk with `user_id`, or this endpoint with the API key). A project turns anonymous
 *   registration off with `settings.sdk.anonymousWebPush: false`.
 */
export class SdkService {
  #projects: ProjectsService;
  #devices: DevicesService;
  #channelConfigs: ChannelConfigService;

  constructor(deps: { projects: ProjectsService; devices: DevicesService; channelConfigs: ChannelConfigService }) {
    this.#projects = deps.projects;
    this.#devices = deps.devices;
    this.#channelConfigs = deps.channelConfigs;
  }

  /** The VAPID public key browsers subscribe with (`applicationServerKey`); not_found when web push is not configured. */
  async vapidPublicKey(projectId: string): Promise<string> {
    const project = await this.#projects.get(projectId);
    const info = await this.#channelConfigs.clientInfo(project.id, 'web_push');
    const key = info?.vapidPublicKey;
    if (typeof key !== 'string') throw new MaruError('not_found', 'this project has no web push provider with a VAPID key configured');
    return key;
  }

  /** Whether an unauthenticated browser may register subscriptions in this project. */
  anonymousAllowed(project: Project): boolean {
    const sdk = project.settings.sdk;
    return !(typeof sdk === 'object' && sdk !== null && (sdk as Record<string, unknown>).anonymousWebPush === false);
  }

  /** Sets the Web Push subscription of a web device (creating the device if new); see the class comment for trust. */
  async registerWebPush(input: {
    project: Project;
    trusted: boolean;
    deviceId: unknown;
    userId?: unknown;
    subscription: unknown;
    properties?: unknown;
  }): Promise<{ deviceId: string; profileId: string }> {
    const { project, trusted } = input;
    if (!trusted && !this.anonymousAllowed(project))
      throw new MaruError('unauthenticated', 'this project accepts web push subscriptions only with its API key');
    if (!trusted && input.userId !== undefined && input.userId !== null) {
      throw new MaruError(
        'forbidden',
        "user_id links the browser to a user and needs the project's API key; register the subscription without user_id and link the device from your server",
        { field: 'user_id' },
      );
    }
    if (input.subscription === undefined || input.subscription === null)
      throw invalid('subscription', "subscription is required: the browser's PushSubscription {endpoint, keys: {p256dh, auth}}");
    if (typeof input.deviceId === 'string') await this.#requireWebDevice(project.id, input.deviceId);
    const [r] = await this.#devices.upsert({
      projectId: project.id,
      devices: [
        {
          deviceId: input.deviceId,
          externalId: trusted ? input.userId : undefined,
          platform: 'web',
          webPush: input.subscription,
          properties: input.properties,
          fields: FIELDS,
        },
      ],
    });
    return r;
  }

  /** Removes the Web Push subscription of a web device (the browser unsubscribed). */
  async removeWebPush(input: { project: Project; trusted: boolean; deviceId: unknown }): Promise<void> {
    if (!input.trusted && !this.anonymousAllowed(input.project))
      throw new MaruError('unauthenticated', 'this project accepts web push subscriptions only with its API key');
    if (typeof input.deviceId !== 'string' || input.deviceId.trim() === '') throw invalid('device_id', 'device_id is required');
    const device = await this.#requireWebDevice(input.project.id, input.deviceId);
    if (!device) throw new MaruError('not_found', 'no such device', { field: 'device_id' });
    await this.#devices.setWebPushSubscription({ projectId: input.project.id, deviceId: input.deviceId, subscription: null });
  }

  async #requireWebDevice(projectId: string, deviceId: string) {
    const device = await this.#devices.get(projectId, deviceId);
    if (device && device.platform !== 'web') {
      throw new MaruError(
        'conflict',
        `device_id names an ${device.platform} device; a web push subscription belongs to a web device (use the browser's own device id)`,
        { field: 'device_id' },
      );
    }
    return device;
  }
}
