/**
 * The checks the server applies to console accounts (src/core/accounts: users.service.ts EMAIL, passwords.ts
 * PASSWORD_MIN_LENGTH/MAX), repeated so forms answer at once; the server's answer is shown whatever it says.
 */
export const validEmail = (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) && v.trim().length <= 254;
export const PASSWORD_MIN = 10;
export const validPassword = (v: string) => v.length >= PASSWORD_MIN && v.length <= 1024;
