import { describe, expect, it } from 'vitest';
import { TemplateError, TemplateRenderer } from './templates.ts';
import { fillPlaceholders, placeholdersOf } from './alimtalk.ts';
import { userScope } from './message-renderer.ts';

const scope = (user: Record<string, unknown> = {}, eventParams: Record<string, unknown> = {}) => ({ user, eventParams });

describe('TemplateRenderer (D11)', () => {
  const r = new TemplateRenderer({ cacheSize: 2 });

  it('reads user properties and event parameters (both spellings); unknown variables render empty', async () => {
    expect(await r.render('{{ user["name"] }}님 안녕하세요', scope({ name: '김' }))).toBe('김님 안녕하세요');
    expect(await r.render('{{ user["name"] }}님 안녕하세요', scope())).toBe('님 안녕하세요');
    expect(await r.render('{{ event_params["a"] }}-{{ eventParams.a }}-{{ nothing.at.all }}', scope({}, { a: 1 }))).toBe('1-1-');
    expect(await r.render('{% if user.vip %}VIP{% else %}-{% endif %}', scope({ vip: true }))).toBe('VIP');
  });

  it('escapes values in HTML mode unless | raw', async () => {
    expect(await r.render('<p>{{ user.n }}</p>', scope({ n: '<b>&</b>' }), 'html')).toBe('<p>&lt;b&gt;&amp;&lt;/b&gt;</p>');
    expect(await r.render('{{ user.n | raw }}', scope({ n: '<b>' }), 'html')).toBe('<b>');
    expect(await r.render('{{ user.n }}', scope({ n: '<b>' }))).toBe('<b>');
  });

  it('fails with a TemplateError: parse errors, unknown filters, partials, runaway loops', async () => {
    for (const [source, phase] of [
      ['{% if %}', 'parse'],
      ['{{ x | no_such_filter }}', 'parse'],
      ['{% include "x" %}', 'render'],
      ['{% for i in (1..100000000) %}{{ i }}{% endfor %}', 'render'],
    ] as const) {
      const e = await r.render(source, scope()).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, source).toBeInstanceOf(TemplateError);
      expect((e as TemplateError).phase, source).toBe(phase);
    }
  });

  it('does not expose prototype properties and keeps no state between renders', async () => {
    expect(await r.render('{{ user.constructor }}{{ user.__proto__ }}', scope())).toBe('');
    expect(await r.render('{% assign a = "x" %}{{ a }}', scope())).toBe('x');
    expect(await r.render('{{ a }}', scope())).toBe('');
  });

  it('caches parsed templates by source, evicting the least recently used', () => {
    const c = new TemplateRenderer({ cacheSize: 2 });
    const a = c.parse('a {{ x }}');
    expect(c.parse('a {{ x }}')).toBe(a);
    c.parse('b');
    c.parse('a {{ x }}'); // refresh a
    c.parse('c'); // evicts b
    expect(c.cacheSize).toBe(2);
    expect(c.parse('a {{ x }}')).toBe(a);
  });
});

describe('alimtalk placeholders', () => {
  it('fills #{name} from the parameters in one pass, and refuses to half-fill', () => {
    expect(placeholdersOf('#{이름}님 #{주문 번호} #{이름}')).toEqual(['이름', '주문 번호']);
    expect(fillPlaceholders('#{a}+#{b}', { a: '#{b}', b: '2' })).toEqual({ ok: true, content: '#{b}+2' });
    expect(fillPlaceholders('#{a}+#{b}', { a: '1' })).toEqual({ ok: false, missing: ['b'] });
  });
});

describe('userScope', () => {
  it('exposes properties, then identifiers where no property of that name exists; empty without a profile', () => {
    expect(userScope(undefined)).toEqual({});
    const s = userScope({
      id: 'P1',
      properties: { name: 'Kim', email: 'prop@example.com' },
      identifiers: [
        { type: 'external_id', value: 'u-1' },
        { type: 'email', value: 'id@example.com' },
        { type: 'phone', value: '+821012345678' },
      ],
    });
    expect(s).toEqual({
      name: 'Kim',
      email: 'prop@example.com',
      external_id: 'u-1',
      user_id: 'u-1',
      userId: 'u-1',
      phone_number: '+821012345678',
      profile_id: 'P1',
    });
  });
});
