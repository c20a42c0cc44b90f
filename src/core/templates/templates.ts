import { Liquid, type Template } from 'liquidjs';

/**
 * Message templates are Liquid (D11).
 *
 * - `{{ user["name"] }}` reads the recipient profile's property `name` (see `userScope` for the identifiers that are
 *   exposed too); `{{ event_params["key"] }}` — alias `eventParams` — reads the send's parameters.
 * - A variable that does not exist renders empty (strictVariables off): `{{ user["name"] }}님 안녕하세요` renders
 *   `님 안녕하세요` for a recipient without a profile, as seed 004 §5 says.
 * - Unknown filters, unbalanced tags and other syntax errors are parse errors. `include`/`render`/`layout` have no
 *   partials to load (there is no file system behind templates), so they fail at render time.
 * - Rendering is bounded (time and memory), so a template cannot stall a worker.
 * - In an email's HTML part values are HTML-escaped; write `{{ value | raw }}` to insert markup on purpose.
 *
 * Parsed templates are cached by source text (a campaign's template is parsed once per process, not per recipient).
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly phase: 'parse' | 'render';
  constructor(phase: 'parse' | 'render', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.phase = phase;
  }
}

export interface RenderScope {
  user: Record<string, unknown>;
  eventParams: Record<string, unknown>;
}

export type TemplateMode = 'text' | 'html';

const LIMITS = { parseLimit: 1_000_000, renderLimit: 1_000, memoryLimit: 20_000_000 };

export class TemplateRenderer {
  #engines: Record<TemplateMode, Liquid>;
  #cache = new Map<string, Template[]>();
  #cacheMax: number;

  constructor(options: { cacheSize?: number } = {}) {
    const common = {
      strictVariables: false,
      strictFilters: true,
      ownPropertyOnly: true,
      // An in-memory partials map with nothing in it: templates never read files.
      templates: {},
      relativeReference: false,
      ...LIMITS,
    };
    this.#engines = {
      text: new Liquid(common),
      html: new Liquid({ ...common, outputEscape: 'escape' }),
    };
    this.#cacheMax = options.cacheSize ?? 2000;
  }

  /** Parses (or takes from the cache); throws TemplateError('parse'). */
  parse(source: string, mode: TemplateMode = 'text'): Template[] {
    const key = mode + '\u0000' + source;
    const hit = this.#cache.get(key);
    if (hit) {
      // Refresh recency: Map keeps insertion order, so the oldest entry is evicted first.
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    let parsed: Template[];
    try {
      parsed = this.#engines[mode].parse(source);
    } catch (e) {
      throw new TemplateError('parse', firstLine((e as Error).message), { cause: e });
    }
    if (this.#cache.size >= this.#cacheMax) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, parsed);
    return parsed;
  }

  /** Renders a template for one recipient; throws TemplateError on a parse or render failure. */
  async render(source: string, scope: RenderScope, mode: TemplateMode = 'text'): Promise<string> {
    const parsed = this.parse(source, mode);
    // A fresh scope per render: templates may `assign`, and one recipient's values never leak into another's.
    const vars = { user: scope.user, event_params: scope.eventParams, eventParams: scope.eventParams };
    try {
      const out = await this.#engines[mode].render(parsed, vars);
      return String(out);
    } catch (e) {
      throw new TemplateError('render', firstLine((e as Error).message), { cause: e });
    }
  }

  get cacheSize(): number {
    return this.#cache.size;
  }
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 500);
