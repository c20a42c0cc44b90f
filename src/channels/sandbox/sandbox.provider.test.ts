import { describe, expect, it } from 'vitest';
import { parseSandboxConfig } from './sandbox.provider.ts';

describe('sandbox failure rule', () => {
  it('accepts the documented shape', () => {
    expect(parseSandboxConfig(undefined)).toEqual({ failures: [] });
    expect(
      parseSandboxConfig({
        failures: [
          { recipients: '*', mode: 'retryable', retryAfterSeconds: 5 },
          { recipients: ['a@b.c'], channels: ['email'], mode: 'retryable_then_ok', failCount: 2, reason: 'r' },
        ],
      }),
    ).toEqual({
      failures: [
        { recipients: '*', mode: 'retryable', retryAfterSeconds: 5 },
        { recipients: ['a@b.c'], channels: ['email'], mode: 'retryable_then_ok', failCount: 2, reason: 'r' },
      ],
    });
  });

  it('names the bad field', () => {
    const bad: [unknown, string][] = [
      [[], 'sandbox: must be an object'],
      [{ rules: [] }, 'sandbox.rules: unknown field'],
      [{ failures: [{ recipients: 'x', mode: 'permanent' }] }, 'sandbox.failures[0].recipients: must be "*" or an array of addresses'],
      [
        { failures: [{ recipients: '*', mode: 'sometimes' }] },
        'sandbox.failures[0].mode: must be one of permanent, retryable, retryable_then_ok, invalid_recipient',
      ],
      [
        { failures: [{ recipients: '*', mode: 'retryable', retryAfterSeconds: -1 }] },
        'sandbox.failures[0].retryAfterSeconds: must be an integer from 0 to 86400',
      ],
      [{ failures: [{ recipients: '*', mode: 'retryable', channels: ['fax'] }] }, 'sandbox.failures[0].channels: must be an array of'],
    ];
    for (const [raw, message] of bad) expect(() => parseSandboxConfig(raw), JSON.stringify(raw)).toThrow(message);
  });
});
