import type { Clock } from '../../platform/clock.ts';
import type { Store } from '../../platform/db/store.ts';
import { MaruError, invalid } from '../errors.ts';
import { IDENTIFIER_TYPES, normalizeIdentifier, type IdentifierType } from '../identity/identifiers.ts';
import { identifiersOf as identifiersOfProfiles, resolveAlias } from '../identity/identity.repository.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import { CONSENT_PROPERTIES } from '../taxonomy/standard-taxonomy.ts';
import { ZoneOffsets, addDays, startOfLocalDay } from '../export/timezone.ts';
import { localDate } from '../deliveries/local-time.ts';
import type { RejectedRequestsService } from '../audit/audit.service.ts';
import * as repo from './browse.repository.ts';
import { receivedBetween } from '../events/ingest-counts.ts';

export interface DayCount {
  date: string;
  count: number;
}

const parseJson = (s: string | null) => (s === null ? null : (JSON.parse(s) as unknown));

/**
 * What the console's pages read (docs/console.md): a project's overview figures, recent events with filters and
 * counts per day, profile search by any identifier or property, and a profile's whole picture. Read-only; every list
 * is keyset-paged on indexed columns so page N costs the same as page 1 however large the project is.
 */
export class BrowseService {
  #store: Store;
  #clock: Clock;
  #projects: ProjectsService;
  #rejected: RejectedRequestsService;
  #defaultRegion: string;

  constructor(deps: { store: Store; clock: Clock; projects: ProjectsService; rejected: RejectedRequestsService; defaultPhoneRegion: string }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#projects = deps.projects;
    this.#rejected = deps.rejected;
    this.#defaultRegion = deps.defaultPhoneRegion;
  }

  /** Local days (project time zone) from `days - 1` days ago to today, each with its [start, end) in epoch ms. */
  #days(timezone: string, days: number) {
    const zone = new ZoneOffsets(timezone);
    const today = localDate(this.#clock.now(), timezone);
    const out: { date: string; from: number; to: number }[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const date = addDays(today, -i);
      out.push({ date, from: startOfLocalDay(date, zone), to: startOfLocalDay(addDays(date, 1), zone) });
    }
    return out;
  }

  /** Events per local day of the project (by when they happened), over `days` days ending today. */
  async eventCountsPerDay(projectId: string, input: { days?: number; name?: string } = {}): Promise<{ timezone: string; days: DayCount[] }> {
    const project = await this.#projects.get(projectId);
    const n = input.days ?? 30;
    if (!Number.isInteger(n) || n < 1 || n > 92) throw invalid('days', 'days must be a whole number from 1 to 92');
    const days = this.#days(project.timezone, n);
    const counts = await Promise.all(days.map((d) => repo.countEvents(this.#store.db, projectId, d.from, d.to, input.name)));
    return { timezone: project.timezone, days: days.map((d, i) => ({ date: d.date, count: counts[i] })) };
  }

  async overview(projectId: string) {
    const project = await this.#projects.get(projectId);
    const [today] = this.#days(project.timezone, 1);
    const db = this.#store.db;
    const days = this.#days(project.timezone, 30);
    const [received, last, profiles, sent, rejected] = await Promise.all([
      receivedBetween(db, projectId, days[0].from, days[days.length - 1].to),
      repo.lastEvent(db, projectId),
      repo.countProfiles(db, projectId),
      repo.countSent(db, projectId, today.from, today.to),
      this.#rejected.list(projectId, { limit: 10 }),
    ]);
    // Events received (not happened) per local day and face, from the counts kept at ingest.
    const perDay = days.map((d) => ({ date: d.date, count: 0, byFace: {} as Record<string, number> }));
    for (const r of received) {
      const i = days.findIndex((d) => r.hour >= d.from && r.hour < d.to);
      if (i < 0) continue;
      perDay[i].count += r.events;
      perDay[i].byFace[r.face] = (perDay[i].byFace[r.face] ?? 0) + r.events;
    }
    const todayCounts = perDay[perDay.length - 1];
    return {
      timezone: project.timezone,
      today: today.date,
      eventsToday: { total: todayCounts.count, byFace: todayCounts.byFace },
      eventsPerDay: perDay,
      lastEvent: last ? { name: last.name, occurredAt: last.occurred_at, receivedAt: last.received_at } : null,
      profileCount: profiles,
      messagesSentToday: sent,
      latestRejected: rejected.items,
    };
  }

  async events(projectId: string, f: { name?: string; from?: number; to?: number; profileId?: string; after?: repo.EventPosition; limit: number }) {
    await this.#projects.get(projectId);
    let profileIds: string[] | undefined;
    if (f.profileId) {
      const live = await resolveAlias(this.#store.db, projectId, f.profileId);
      // Events keep the id they were stored with; a merged profile's events carry its old ids.
      profileIds = [live, ...(await repo.mergedInto(this.#store.db, projectId, live)).map((a) => a.alias_id)];
    }
    const rows = await repo.listEvents(this.#store.db, projectId, { ...f, profileIds, limit: f.limit + 1 });
    const items = rows.slice(0, f.limit).map((r) => ({
      name: r.name,
      eventKey: r.event_key,
      occurredAt: r.occurred_at,
      receivedAt: r.received_at,
      profileId: r.profile_id,
      source: r.source,
      properties: parseJson(r.properties) ?? {},
      items: parseJson(r.items) ?? [],
    }));
    const lastRow = items[items.length - 1];
    return { items, next: rows.length > f.limit ? { occurredAt: lastRow.occurredAt, eventKey: lastRow.eventKey } : null };
  }

  /**
   * Profiles matching `q`: a profile id, or a value of any identifier type (a phone number as typed, normalised with
   * the project's phone region), or only of `type` when given. Or, with `property`, profiles whose property equals
   * `value` (keyset-paged on the profile id). With neither, every profile, paged.
   */
  async searchProfiles(projectId: string, f: { q?: string; type?: string; property?: string; value?: string; after?: string; limit: number }) {
    const project = await this.#projects.get(projectId);
    const db = this.#store.db;
    if (f.q !== undefined && f.q.trim() !== '') {
      const q = f.q.trim();
      if (f.type !== undefined && !IDENTIFIER_TYPES.includes(f.type as IdentifierType))
        throw invalid('type', `type must be one of ${IDENTIFIER_TYPES.join(', ')}`);
      const types = f.type ? [f.type as IdentifierType] : [...IDENTIFIER_TYPES];
      const region = project.settings.phoneRegion ?? this.#defaultRegion;
      const candidates = types.flatMap((t) => {
        try {
          const id = normalizeIdentifier(t, q, region);
          return id ? [{ type: id.type, value: id.value }] : [];
        } catch {
          return [];
        }
      });
      const owners = await repo.identifiersMatching(db, projectId, candidates);
      const ids = new Set(owners.map((o) => o.profile_id));
      // A profile id (or an id merged into one) is found too.
      if (!f.type) ids.add(await resolveAlias(db, projectId, q));
      const rows = await repo.profilesByIds(db, projectId, [...ids], f.limit);
      return {
        items: await this.#withIdentifiers(projectId, rows.map(toSummary)),
        next: null,
        matchedBy: owners.map((o) => ({ type: o.type, profileId: o.profile_id })),
      };
    }
    if (f.property !== undefined && !/^[A-Za-z0-9_.$-]{1,128}$/.test(f.property)) throw invalid('property', 'property must be a property name');
    const rows = await repo.listProfiles(db, this.#store.dialect, projectId, { after: f.after, limit: f.limit + 1, property: f.property, value: f.value });
    const items = await this.#withIdentifiers(projectId, rows.slice(0, f.limit).map(toSummary));
    return { items, next: rows.length > f.limit ? items[items.length - 1].id : null, matchedBy: [] };
  }

  /** Each listed profile with its identifiers (one query for the page), in the priority order of D6. */
  async #withIdentifiers<T extends { id: string }>(projectId: string, items: T[]): Promise<(T & { identifiers: { type: IdentifierType; value: string }[] })[]> {
    const owned = await identifiersOfProfiles(
      this.#store.db,
      projectId,
      items.map((i) => i.id),
    );
    const rank = (t: string) => IDENTIFIER_TYPES.indexOf(t as IdentifierType);
    owned.sort((a, b) => rank(a.type) - rank(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return items.map((i) => ({
      ...i,
      identifiers: owned.filter((o) => o.profile_id === i.id).map((o) => ({ type: o.type as IdentifierType, value: o.value })),
    }));
  }

  /** A profile's page: properties, identifiers, merged-in profiles and when, devices, consent, recent events, messages. */
  async profileDetail(projectId: string, id: string) {
    await this.#projects.get(projectId);
    const db = this.#store.db;
    const live = await resolveAlias(db, projectId, id);
    const [row] = await repo.profilesByIds(db, projectId, [live], 1);
    if (!row) throw new MaruError('not_found', 'no such profile');
    const [identifiers, merged, devices, messages, events] = await Promise.all([
      repo.identifiersOf(db, projectId, live),
      repo.mergedInto(db, projectId, live),
      repo.devicesOf(db, projectId, live),
      repo.messagesTo(db, projectId, live, 50),
      this.events(projectId, { profileId: live, limit: 20 }),
    ]);
    const properties = JSON.parse(row.properties) as Record<string, unknown>;
    return {
      profile: toSummary(row),
      properties,
      identifiers: identifiers.map((i) => ({ type: i.type, value: i.value, asReceived: i.raw, addedAt: i.created_at })),
      mergedProfiles: merged.map((m) => ({ profileId: m.alias_id, mergedAt: m.merged_at ?? null })),
      devices: devices.map((d) => ({
        deviceId: d.device_id,
        platform: d.platform,
        pushToken: d.push_token,
        webPush: d.webpush !== null,
        properties: parseJson(d.properties) ?? {},
        createdAt: d.created_at,
        updatedAt: d.updated_at,
      })),
      consent: Object.fromEntries(Object.values(CONSENT_PROPERTIES).map((name) => [name, properties[name] === true])),
      recentEvents: events.items,
      messages: messages.map((m) => ({
        deliveryId: m.id,
        campaignId: m.campaign_id,
        channel: m.channel,
        state: m.state,
        metric: m.metric,
        reason: m.reason,
        createdAt: m.created_at,
        sentAt: m.sending_at,
        finishedAt: m.finished_at,
        deliveredAt: m.delivered_at,
        openedAt: m.opened_at,
        clickedAt: m.clicked_at,
      })),
    };
  }
}

function toSummary(r: { id: string; properties: string; created_at: number; updated_at: number }) {
  return { id: r.id, properties: JSON.parse(r.properties) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at };
}
