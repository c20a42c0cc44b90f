import { describe, expect, it } from 'vitest';
import { clip } from './vendor-call.ts';

describe('clip', () => {
  it('flattens whitespace and bounds the length', () => {
    expect(clip('a\n  b\tc')).toBe('a b c');
    expect(clip('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(clip(undefined)).toBe('');
  });
});
