/**
 * Encrypts provider credentials at rest (service-account keys, .p8 keys, SMTP passwords, webhook secrets).
 *
 * AES-256-GCM with a 32-byte key derived by scrypt from the server's secret, a random 12-byte IV per
 * encryption, and the output `v1:<base64url iv>:<base64url ciphertext+tag>`. An optional `context`
 * (e.g. `project:42/provider:fcm`) is bound as additional authenticated data, so a sealed value copied into
 * another record does not open there. Decryption of a tampered, truncated or foreign value fails with a
 * SecretBoxError; it never returns garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_KEY_MATERIAL_BYTES = 16;
// Fixed, public salt: the key material is a server secret, not a user password, so one salt per
// deployment secret is enough; scrypt's cost still slows a guess of a weak configured secret.
const KDF_SALT = 'maru/secret-box/v1';
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export type SecretBoxErrorCode = 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'AUTHENTICATION_FAILED';

export class SecretBoxError extends Error {
  readonly code: SecretBoxErrorCode;
  constructor(code: SecretBoxErrorCode, message: string) {
    super(message);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class SecretBox {
  readonly #key: Buffer;

  /** @param keyMaterial the server config secret (at least 16 bytes; 32 random bytes recommended). */
  constructor(keyMaterial: string | Uint8Array) {
    const material = typeof keyMaterial === 'string' ? Buffer.from(keyMaterial, 'utf8') : Buffer.from(keyMaterial);
    if (material.length < MIN_KEY_MATERIAL_BYTES) {
      throw new Error(`secret-box key material must be at least ${MIN_KEY_MATERIAL_BYTES} bytes`);
    }
    this.#key = scryptSync(material, KDF_SALT, 32, SCRYPT);
  }

  /** Seals `plaintext`; `context`, if given, must be passed again to open it. */
  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}:${context}`, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /** Opens a value made by `encrypt` with the same key material and context; throws SecretBoxError otherwise. */
  decrypt(sealedValue: string, context = ''): string {
    const parts = sealedValue.split(':');
    if (parts.length !== 3) throw new SecretBoxError('MALFORMED', 'sealed secret is not of the form v1:<iv>:<ciphertext>');
    const [version, ivText, sealedText] = parts;
    if (version !== VERSION) throw new SecretBoxError('UNSUPPORTED_VERSION', `sealed secret has unsupported version "${version.slice(0, 8)}"`);
    if (!BASE64URL.test(ivText) || !BASE64URL.test(sealedText)) {
      throw new SecretBoxError('MALFORMED', 'sealed secret is not base64url');
    }
    const iv = Buffer.from(ivText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (iv.length !== IV_BYTES) throw new SecretBoxError('MALFORMED', `sealed secret IV must be ${IV_BYTES} bytes`);
    if (sealed.length < TAG_BYTES) throw new SecretBoxError('MALFORMED', 'sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${VERSION}:${context}`, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('AUTHENTICATION_FAILED', 'sealed secret failed authentication: it was tampered with, or sealed with another key or context');
    }
  }
}
