import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders, placeholdersOf } from './alimtalk.ts';

describe('placeholdersOf', () => {
  it('lists distinct names in order of first use, Korean names included', () => {
    expect(placeholdersOf('#{고객명}님, 주문 #{주문번호}이(가) 접수되었습니다. #{고객명}님 감사합니다.')).toEqual(['고객명', '주문번호']);
  });

  it('keeps names verbatim (spaces, dots, underscores) and ignores non-placeholders', () => {
    expect(placeholdersOf('#{배송 예정일} #{order.id} #{user_name} #{} {x} # {y} ##{z}')).toEqual(['배송 예정일', 'order.id', 'user_name', 'z']);
    expect(placeholdersOf('안내 메시지입니다.')).toEqual([]);
  });
});

describe('fillPlaceholders', () => {
  it('replaces every occurrence, including repeated ones', () => {
    const result = fillPlaceholders('#{이름}님 안녕하세요. #{이름}님의 포인트는 #{point}점입니다.', {
      이름: '홍길동',
      point: '1,200',
    });
    expect(result).toEqual({ ok: true, content: '홍길동님 안녕하세요. 홍길동님의 포인트는 1,200점입니다.' });
  });

  it('reports every missing name once, in order, and fills nothing', () => {
    expect(fillPlaceholders('#{a} #{고객명} #{a} #{b}', { b: 'x' })).toEqual({ ok: false, missing: ['a', '고객명'] });
  });

  it('accepts an empty string as a value and ignores extra parameters', () => {
    expect(fillPlaceholders('[#{코드}]', { 코드: '', extra: 'unused' })).toEqual({ ok: true, content: '[]' });
  });

  it('does not expand placeholders inside values, nor treat $ patterns specially', () => {
    expect(fillPlaceholders('#{a}/#{b}', { a: '#{b}', b: "$& $1 $'" })).toEqual({ ok: true, content: "#{b}/$& $1 $'" });
  });

  it('does not read inherited properties as parameters', () => {
    expect(fillPlaceholders('#{toString}', {})).toEqual({ ok: false, missing: ['toString'] });
  });

  it('property: a template without placeholders is returned unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('#{')),
        (template) => {
          const result = fillPlaceholders(template, {});
          return result.ok && result.content === template;
        },
      ),
    );
  });

  it('property: filling with each name mapped to a marker leaves no placeholder behind', () => {
    const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[{}]/.test(s));
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string().map((s) => s.replace(/#/g, '')),
            name,
          ),
        ),
        (parts) => {
          const template = parts.map(([text, n]) => `${text}#{${n}}`).join('');
          const names = placeholdersOf(template);
          const params = Object.fromEntries(names.map((n) => [n, '·']));
          const result = fillPlaceholders(template, params);
          return result.ok && placeholdersOf(result.content).length === 0;
        },
      ),
    );
  });
});
