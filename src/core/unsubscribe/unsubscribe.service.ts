import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import type { Logger } from '../../platform/log.ts';
import * as secrets from '../credentials/session-tokens.repository.ts';
import type { ProfilesService } from '../profiles/profiles.service.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import type { Project } from '../projects/projects.types.ts';
import { CONSENT_PROPERTIES } from '../taxonomy/standard-taxonomy.ts';

/** Name of the unsubscribe-link signing key in `server_secrets` (generated on first use, shared by every process). */
export const UNSUBSCRIBE_KEY_NAME = 'unsubscribe-link-signing-key';
const SIGNATURE_CHARS = 27; // 160 bits of base64url
const TOKEN = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{27})$/;
const EMAIL = /^[^\s@<>?&]+@[^\s@<>?&]+\.[^\s@<>?&]+$/;

/** What a valid unsubscribe token says. */
export interface UnsubscribeTarget {
  projectId: string;
  deliveryId: string;
  profileId: string;
}

/**
 * One-click unsubscribe from advertising email (RFC 8058; docs/providers.md "Unsubscribe").
 *
 * Every advertising email to a profile carries `List-Unsubscribe: <MARU_PUBLIC_URL/u/TOKEN>` (plus a `mailto:` when
 * the project sets `settings.messaging.unsubscribeMailto`) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
 * TOKEN is `<project id>.<delivery id>.<profile id>.<signature>`, the signature an HMAC-SHA256 with a server key
 * kept in `server_secrets` (so every process and restart agrees; links stay valid as long as the database lives).
 * Following it sets the profile's `df_email_ads_optin` to false, which the campaign engine's consent filter reads
 * (D10): later advertising email to that profile is skipped. Idempotent: a second use changes nothing.
 */
export class UnsubscribeService {
  #store: Store;
  #clock: Clock;
  #log: Logger;
  #projects: ProjectsService;
  #profiles: ProfilesService;
  #publicUrl: string;
  #key: Promise<Buffer> | undefined;

  constructor(deps: { store: Store; clock: Clock; log: Logger; projects: ProjectsService; profiles: ProfilesService; publicUrl: string }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#projects = deps.projects;
    this.#profiles = deps.profiles;
    this.#publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  #signingKey(): Promise<Buffer> {
    this.#key ??= this.#loadKey().catch((e: unknown) => {
      this.#key = undefined;
      throw e;
    });
    return this.#key;
  }

  async #loadKey(): Promise<Buffer> {
    let stored = await secrets.findServerSecret(this.#store.db, UNSUBSCRIBE_KEY_NAME);
    if (!stored) {
      const fresh = randomBytes(32).toString('base64url');
      stored = await this.#store.write(async (tx) => {
        await secrets.insertServerSecretIfAbsent(tx, { name: UNSUBSCRIBE_KEY_NAME, value: fresh, created_at: this.#clock.now() });
        return (await secrets.findServerSecret(tx, UNSUBSCRIBE_KEY_NAME)) ?? fresh;
      });
    }
    return Buffer.from(stored, 'base64url');
  }

  #sign(key: Buffer, t: UnsubscribeTarget): string {
    return createHmac('sha256', key)
      .update(['unsubscribe', 'email', t.projectId, t.deliveryId, t.profileId].join('\n'))
      .digest('base64url')
      .slice(0, SIGNATURE_CHARS);
  }

  async token(t: UnsubscribeTarget): Promise<string> {
    return `${t.projectId}.${t.deliveryId}.${t.profileId}.${this.#sign(await this.#signingKey(), t)}`;
  }

  /** The one-click unsubscribe URL of a delivery. */
  async url(t: UnsubscribeTarget): Promise<string> {
    return `${this.#publicUrl}/u/${await this.token(t)}`;
  }

  /** The List-Unsubscribe headers of an advertising email to a profile (RFC 2369, RFC 8058). */
  async emailHeaders(input: { project: Project; deliveryId: string; profileId: string }): Promise<Record<string, string>> {
    const token = await this.token({ projectId: input.project.id, deliveryId: input.deliveryId, profileId: input.profileId });
    const targets = [`<${this.#publicUrl}/u/${token}>`];
    const mailto = unsubscribeMailto(input.project);
    if (mailto) targets.push(`<mailto:${mailto}?subject=unsubscribe%20${token}>`);
    return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }

  /** The target of a token when its signature is right and its project exists. */
  async verify(token: string): Promise<UnsubscribeTarget | undefined> {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const t: UnsubscribeTarget = { projectId: m[1], deliveryId: m[2], profileId: m[3] };
    const expected = Buffer.from(this.#sign(await this.#signingKey(), t));
    const given = Buffer.from(m[4]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    if (!(await this.#projects.find(t.projectId))) return undefined;
    return t;
  }

  /**
   * Withdraws the profile's email advertising consent (df_email_ads_optin = false). Returns false for a token that
   * is not valid; true otherwise, also when the consent was already withdrawn or the profile no longer exists.
   */
  async unsubscribe(token: string): Promise<boolean> {
    const t = await this.verify(token);
    if (!t) return false;
    // An absorbed profile id resolves to the profile it merged into.
    const profile = await this.#profiles.get(t.projectId, t.profileId);
    if (!profile) return true;
    const now = this.#clock.now();
    await this.#store.write((tx) =>
      this.#profiles.setProperties(tx, t.projectId, profile.id, { [CONSENT_PROPERTIES.emailAds]: false }, [], now, 'unsubscribe_link'),
    );
    this.#log.info({ projectId: t.projectId, profileId: profile.id, deliveryId: t.deliveryId }, 'email advertising consent withdrawn (unsubscribe link)');
    return true;
  }
}

/** The project's unsubscribe mailbox (`settings.messaging.unsubscribeMailto`), when it is an email address. */
function unsubscribeMailto(project: Project): string | undefined {
  const messaging = project.settings.messaging;
  const value = typeof messaging === 'object' && messaging !== null ? (messaging as Record<string, unknown>).unsubscribeMailto : undefined;
  if (typeof value !== 'string') return undefined;
  const address = value.replace(/^mailto:/i, '').trim();
  return EMAIL.test(address) ? address : undefined;
}
