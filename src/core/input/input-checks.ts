import { invalid } from '../errors.ts';

/**
 * D16 value checks, one module for every face: input is stored exactly or refused, naming the field.
 *
 * - strings (keys and values) must be well-formed Unicode: a lone surrogate (`"\ud800"`) is refused;
 * - NUL (U+0000) is refused anywhere in a string (PostgreSQL cannot store it in text; SQLite would cut it);
 * - JSON nests at most MAX_JSON_DEPTH levels (the body itself is level 1);
 * - numbers must be finite; an integer outside ±(2^53 − 1) is refused: it cannot be stored exactly
 *   (JSON.parse has already rounded it), so a Long beyond it is refused rather than silently changed.
 * Keys named like Object.prototype members (`constructor`, `__proto__`, `toString`, …) are ordinary names: use
 * `hasOwn`, Map or null-prototype objects (`ownRecord`, `setOwn`) wherever a key from a request is looked up or set.
 */
export const MAX_JSON_DEPTH = 32;

/** Why a string is refused, or undefined when it is fine. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (!value.isWellFormed()) return 'must be valid Unicode text (it contains a lone surrogate)';
  return undefined;
}

/** Throws invalid_input naming `field` when a string breaks D16. */
export function checkText(value: string, field: string): string {
  const problem = textProblem(value);
  if (problem) throw invalid(field, `${field} ${problem}`);
  return value;
}

/** Why a number is refused, or undefined when it is fine. */
export function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return 'is an integer outside ±9007199254740991 (2^53 − 1), which cannot be stored exactly';
  return undefined;
}

/** How a face names a place in its body: `path` holds keys and array indexes from the root. */
export type FieldNamer = (path: readonly (string | number)[]) => string;

/** `events[0].event_properties.name`; a key that is not a plain identifier is quoted: `properties["a b"]`. */
export const dottedField: FieldNamer = (path) => {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$.-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p.isWellFormed() ? p : p.toWellFormed())}]`;
  }
  return out === '' ? 'body' : out;
};

/**
 * Checks a parsed JSON value whole (keys and values, D16): throws invalid_input naming the first field at fault.
 * Iterative, so a hostile depth cannot overflow the stack before it is refused.
 */
export function checkInputTree(root: unknown, options: { fieldOf?: FieldNamer; maxDepth?: number; prefix?: readonly (string | number)[] } = {}): void {
  const fieldOf = options.fieldOf ?? dottedField;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [{ value: root, path: [...(options.prefix ?? [])], depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) {
        const field = fieldOf(path);
        throw invalid(field, `${field} ${problem}`);
      }
    } else if (typeof value === 'number') {
      const problem = numberProblem(value);
      if (problem) {
        const field = fieldOf(path);
        throw invalid(field, `${field} ${problem}`);
      }
    } else if (typeof value === 'object' && value !== null) {
      if (depth > maxDepth) {
        const field = fieldOf(path);
        throw invalid(field, `${field} nests deeper than ${maxDepth} levels`);
      }
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
      } else {
        const keys = Object.keys(value);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i];
          const problem = textProblem(key);
          if (problem) {
            const field = fieldOf([...path, key]);
            throw invalid(field, `the name of ${field} ${problem}`);
          }
          stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
        }
      }
    }
  }
}

/** An empty object without a prototype: any key, `__proto__` and `constructor` included, is an ordinary entry. */
export const ownRecord = <T = unknown>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Sets an own property whatever its name (`obj[k] = v` would set the prototype when k is `__proto__`). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The value of an own property of a lookup table, or undefined (never an Object.prototype member). */
export const ownValue = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
