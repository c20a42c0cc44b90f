import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './secret-box.ts';

const box = new SecretBox('server-secret-0123456789abcdef0123456789');

function flip(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[index] ^= 0x01;
  return bytes.toString('base64url');
}

describe('SecretBox', () => {
  it('round-trips text, including multi-line PEM and non-ASCII', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
    expect(box.decrypt(box.encrypt(pem))).toBe(pem);
    expect(box.decrypt(box.encrypt('비밀번호 🔑'))).toBe('비밀번호 🔑');
    expect(box.decrypt(box.encrypt(''))).toBe('');
  });

  it('writes v1:<iv>:<ciphertext+tag> with a fresh 12-byte IV each time', () => {
    const a = box.encrypt('same');
    const b = box.encrypt('same');
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    const [, iv, sealed] = a.split(':');
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed, 'base64url')).toHaveLength(4 + 16);
    expect(a).not.toContain(Buffer.from('same').toString('base64url'));
  });

  it('opens with the same key material in another instance, not with other key material', () => {
    const sealed = box.encrypt('smtp-password');
    expect(new SecretBox('server-secret-0123456789abcdef0123456789').decrypt(sealed)).toBe('smtp-password');
    expect(() => new SecretBox('another-server-secret-000000000000').decrypt(sealed)).toThrow(SecretBoxError);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const sealed = box.encrypt('{"private_key":"..."}');
    const [version, iv, body] = sealed.split(':');
    const tamperedBody = `${version}:${iv}:${flip(body, 0)}`;
    const tamperedTag = `${version}:${iv}:${flip(body, Buffer.from(body, 'base64url').length - 1)}`;
    const tamperedIv = `${version}:${flip(iv, 3)}:${body}`;
    for (const bad of [tamperedBody, tamperedTag, tamperedIv]) {
      expect(() => box.decrypt(bad)).toThrow('sealed secret failed authentication');
      expect(() => box.decrypt(bad)).toThrow(expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }));
    }
  });

  it('binds the context as associated data', () => {
    const sealed = box.encrypt('fcm-service-account', 'project:1/provider:fcm');
    expect(box.decrypt(sealed, 'project:1/provider:fcm')).toBe('fcm-service-account');
    expect(() => box.decrypt(sealed, 'project:2/provider:fcm')).toThrow(expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }));
    expect(() => box.decrypt(sealed)).toThrow(SecretBoxError);
  });

  it.each([
    ['nonsense', 'MALFORMED'],
    ['v1:abc', 'MALFORMED'],
    ['v2:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA', 'UNSUPPORTED_VERSION'],
    ['v1:AAAA:AAAAAAAAAAAAAAAAAAAAAA', 'MALFORMED'],
    ['v1:AAAAAAAAAAAAAAAA:AAAA', 'MALFORMED'],
    ['v1:AAAAAAAAAAAAAAAA:not+base64/url', 'MALFORMED'],
  ])('rejects malformed %j with %s', (value, code) => {
    expect(() => box.decrypt(value)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses short key material', () => {
    expect(() => new SecretBox('too-short')).toThrow('at least 16 bytes');
  });
});
