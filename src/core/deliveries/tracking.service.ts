import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Store } from '../../platform/db/store.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import { countMetric } from './campaign-metrics.ts';
import * as repo from './deliveries.repository.ts';
import { METRICS } from './deliveries.types.ts';

/**
 * Engagement tracking (docs/campaigns.md "Tracking"):
 * - email: every http(s) link of a rendered HTML part is rewritten to `GET /t/c/<token>?u=<url>` and an open pixel
 *   `GET /t/o/<token>.gif` is appended. Tokens are HMAC-signed with a per-project random key (`tracking_keys`); a click
 *   token signs the exact URL, so the redirect goes only to a URL that was in that email (no open redirect).
 * - push and web push: the app sends the reserved events `maru_push_delivered` / `maru_push_click` with the event
 *   parameter `delivery_id` (the `maru_delivery_id` of the push payload) through any event API.
 * Each of delivered, open and click is counted once per delivery (a click also counts the open, or the delivery, if
 * it was not counted yet): the first one sets the delivery's timestamp and adds the metric in the same unit.
 */
export class TrackingService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #publicUrl: string;
  #keys = new Map<string, Buffer>();

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; publicUrl: string }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  async #key(projectId: string): Promise<Buffer> {
    const hit = this.#keys.get(projectId);
    if (hit) return hit;
    let secret = await repo.findTrackingKey(this.#store.db, projectId);
    if (!secret) {
      const fresh = randomBytes(32).toString('base64url');
      secret = await this.#store.write(async (tx) => {
        await repo.insertTrackingKeyIfAbsent(tx, projectId, fresh, this.#clock.now());
        return (await repo.findTrackingKey(tx, projectId)) ?? fresh;
      });
    }
    const key = Buffer.from(secret, 'base64url');
    if (this.#keys.size > 10_000) this.#keys.clear();
    this.#keys.set(projectId, key);
    return key;
  }

  #sign(key: Buffer, parts: string[]): string {
    return createHmac('sha256', key).update(parts.join('\n')).digest('base64url').slice(0, 27);
  }

  async openToken(projectId: string, deliveryId: string): Promise<string> {
    return `${projectId}.${deliveryId}.${this.#sign(await this.#key(projectId), ['o', projectId, deliveryId])}`;
  }

  async clickToken(projectId: string, deliveryId: string, url: string): Promise<string> {
    return `${projectId}.${deliveryId}.${this.#sign(await this.#key(projectId), ['c', projectId, deliveryId, url])}`;
  }

  /** Rewrites the http(s) links of an email's HTML to click-tracking URLs and appends the open pixel. */
  async instrumentEmail(projectId: string, deliveryId: string, html: string): Promise<string> {
    const hrefs = [...html.matchAll(HREF)];
    const replacements = new Map<string, string>();
    for (const m of hrefs) {
      const url = unescapeHtml(m[2] ?? m[3] ?? '');
      if (!/^https?:\/\//i.test(url) || replacements.has(url)) continue;
      replacements.set(url, `${this.#publicUrl}/t/c/${await this.clickToken(projectId, deliveryId, url)}?u=${encodeURIComponent(url)}`);
    }
    const rewritten = html.replace(HREF, (whole, _q, dq: string | undefined, sq: string | undefined) => {
      const target = replacements.get(unescapeHtml(dq ?? sq ?? ''));
      return target ? `href="${target}"` : whole;
    });
    const pixel = `<img src="${this.#publicUrl}/t/o/${await this.openToken(projectId, deliveryId)}.gif" width="1" height="1" alt="" style="display:none">`;
    const close = rewritten.search(/<\/body\s*>/i);
    return close >= 0 ? rewritten.slice(0, close) + pixel + rewritten.slice(close) : rewritten + pixel;
  }

  async #verify(token: string, parts: (projectId: string, deliveryId: string) => string[]): Promise<{ projectId: string; deliveryId: string } | undefined> {
    const m = /^([a-z0-9]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{27})$/.exec(token);
    if (!m) return undefined;
    const [, projectId, deliveryId, sig] = m;
    if (!(await this.#projects.find(projectId))) return undefined;
    const expected = Buffer.from(this.#sign(await this.#key(projectId), parts(projectId, deliveryId)));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given) ? { projectId, deliveryId } : undefined;
  }

  /** An open pixel was fetched: counts email_open once per delivery. Unknown or forged tokens count nothing. */
  async recordOpen(token: string): Promise<boolean> {
    const t = await this.#verify(token, (p, d) => ['o', p, d]);
    if (!t) return false;
    await this.#record(t.projectId, t.deliveryId, ['opened_at'], this.#clock.now());
    return true;
  }

  /** A tracked link was followed: returns the URL to redirect to when the token signs it, and counts the click. */
  async recordClick(token: string, url: string): Promise<string | undefined> {
    const t = await this.#verify(token, (p, d) => ['c', p, d, url]);
    if (!t) return undefined;
    await this.#record(t.projectId, t.deliveryId, ['opened_at', 'clicked_at'], this.#clock.now());
    return url;
  }

  /** A push tracking event (delivered or click) for a delivery of the project, inside the caller's unit. */
  async recordPushEvent(tx: Db, input: { projectId: string; deliveryId: string; kind: 'delivered' | 'click'; at: number }): Promise<void> {
    const cols: ('delivered_at' | 'clicked_at')[] = input.kind === 'click' ? ['delivered_at', 'clicked_at'] : ['delivered_at'];
    await this.#recordIn(tx, input.projectId, input.deliveryId, cols, input.at);
  }

  async #record(projectId: string, deliveryId: string, cols: ('opened_at' | 'clicked_at')[], at: number): Promise<void> {
    await this.#store.write((tx) => this.#recordIn(tx, projectId, deliveryId, cols, at));
  }

  async #recordIn(tx: Db, projectId: string, deliveryId: string, cols: ('delivered_at' | 'opened_at' | 'clicked_at')[], at: number): Promise<void> {
    const d = await repo.findDelivery(tx, projectId, deliveryId);
    if (!d || d.state !== 'sent') return;
    const project = await this.#projects.get(projectId);
    for (const col of cols) {
      if (!(await repo.setTimestamp(tx, projectId, deliveryId, col, at))) continue;
      const metric =
        col === 'delivered_at'
          ? METRICS.pushDelivered
          : col === 'clicked_at'
            ? d.channel === 'email'
              ? METRICS.emailClick
              : METRICS.pushClick
            : METRICS.emailOpen;
      await countMetric(tx, { projectId, campaignId: d.campaignId, metric, at, timezone: project.timezone, dimensions: d.dimensions });
    }
  }
}

const HREF = /href\s*=\s*("([^"]*)"|'([^']*)')/gi;

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&#x0*27;|&apos;/gi, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
