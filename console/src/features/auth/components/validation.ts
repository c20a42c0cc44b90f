/** The shape checks the server applies to console accounts (src/core/accounts), repeated so forms answer at once. */
export const validEmail = (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) && v.length <= 254;
export const PASSWORD_MIN = 12;
export const validPassword = (v: string) => v.length >= PASSWORD_MIN && v.length <= 1024;
