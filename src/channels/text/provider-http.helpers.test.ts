import { describe, expect, it } from 'vitest';
import { clip, parseRetryAfter } from './provider-http.helpers.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T00:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 30 Apr 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('clip', () => {
  it('flattens whitespace and bounds the length', () => {
    expect(clip('a\n  b\tc')).toBe('a b c');
    expect(clip('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(clip(undefined)).toBe('');
  });
});
