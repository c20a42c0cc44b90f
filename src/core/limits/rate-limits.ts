import type { Limits, LimitDecision, ConcurrencySlot } from '../../platform/limits/limits.port.ts';
import { MaruError } from '../errors.ts';
import type { Project } from '../projects/projects.types.ts';

/**
 * Rate-limit policies (D2): name → default quota. A project overrides any of them in
 * `settings.limits[name]` (the quota; the window stays). See docs/limits.md.
 */
export const LIMIT_POLICIES = {
  /** Events ingested per minute, counted per event (DFINERY events API). */
  event_ingest: { limit: 1_000_000, windowMs: 60_000, window: '1m' },
  /** Identity requests per minute. */
  identity_requests: { limit: 10_000, windowMs: 60_000, window: '1m' },
  /** Profile-property requests per minute. */
  profile_requests: { limit: 10_000, windowMs: 60_000, window: '1m' },
  /** Export requests per hour. */
  export_requests: { limit: 100, windowMs: 3_600_000, window: '1h' },
  /** Exports running at once. */
  export_concurrency: { limit: 5, windowMs: 0, window: '' },
  /** Data-API requests per second per project. */
  project_requests: { limit: 5_000, windowMs: 1_000, window: '1s' },
  /** Data-API requests per second per client credential. */
  client_requests: { limit: 5_000, windowMs: 1_000, window: '1s' },
  /** Token exchanges per minute per project. */
  auth_requests: { limit: 600, windowMs: 60_000, window: '1m' },
  /** Bulk-API requests per second per project. */
  bulk_requests: { limit: 1_000, windowMs: 1_000, window: '1s' },
} as const;

export type LimitPolicy = keyof typeof LIMIT_POLICIES;

export interface RateDecision extends LimitDecision {
  policy: LimitPolicy;
  window: string;
}

/** Applies policies to a project through the limits port. */
export class RateLimiter {
  #limits: Limits;
  constructor(deps: { limits: Limits }) {
    this.#limits = deps.limits;
  }

  quota(project: Project, policy: LimitPolicy): number {
    const override = project.settings.limits?.[policy];
    return typeof override === 'number' && override >= 0 ? override : LIMIT_POLICIES[policy].limit;
  }

  /** Counts `cost` against the policy; returns the decision (the caller renders headers and the 429). */
  async check(input: { project: Project; policy: LimitPolicy; cost?: number; subject?: string }): Promise<RateDecision> {
    const p = LIMIT_POLICIES[input.policy];
    const d = await this.#limits.consume({
      key: `rl:${input.policy}:${input.project.id}${input.subject ? `:${input.subject}` : ''}`,
      limit: this.quota(input.project, input.policy),
      windowMs: p.windowMs,
      cost: input.cost,
    });
    return { ...d, policy: input.policy, window: p.window };
  }

  /** Takes a concurrency slot or throws rate_limited. */
  async slot(input: { project: Project; policy: LimitPolicy; ttlMs: number }): Promise<ConcurrencySlot> {
    const slot = await this.#limits.acquire({
      key: `cc:${input.policy}:${input.project.id}`,
      max: this.quota(input.project, input.policy),
      ttlMs: input.ttlMs,
    });
    if (!slot.ok) throw new MaruError('rate_limited', `at most ${this.quota(input.project, input.policy)} may run at once`, { retryAfterMs: 1000 });
    return slot;
  }
}
