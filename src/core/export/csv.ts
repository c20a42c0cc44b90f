import type { PropertyType } from '../taxonomy/taxonomy.types.ts';
import type { DatetimeFormatter } from './timezone.ts';

/**
 * CSV writing for exports: RFC 4180 fields and records, and D7's rendering of typed values.
 *
 * - A field is quoted when it holds a comma, a double quote, CR or LF, or starts or ends with a space or tab
 *   (so readers that trim do not lose them); quotes inside are doubled.
 * - Records end with CRLF (RFC 4180). A record of one empty field is written `""` so it is not a blank line.
 * - `neutraliseFormulas` (D14): a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a
 *   spreadsheet shows it as text instead of evaluating it. Plain numbers (`-12.5`, `+3`) are left alone: they
 *   are not formulas, and a negative amount should stay a number.
 */
export interface CsvOptions {
  neutraliseFormulas?: boolean;
}

const NEEDS_QUOTES = /[",\r\n]|^[ \t]|[ \t]$/;
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function csvField(value: string, options: CsvOptions = {}): string {
  if (value.length === 0) return '';
  let v = value;
  if (options.neutraliseFormulas && FORMULA_START.test(v) && !PLAIN_NUMBER.test(v)) v = "'" + v;
  return NEEDS_QUOTES.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
}

export function csvRecord(cells: readonly string[], options: CsvOptions = {}): string {
  if (cells.length === 1 && cells[0] === '') return '""\r\n';
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) out += ',';
    out += csvField(cells[i], options);
  }
  return out + '\r\n';
}

/** Writes a whole table (used by tests and small exports); streaming callers use csvRecord per row. */
export function csvTable(rows: readonly (readonly string[])[], options: CsvOptions = {}): string {
  let out = '';
  for (const row of rows) out += csvRecord(row, options);
  return out;
}

/**
 * Renders a stored property value as a cell (D7): datetimes in the project's zone as `yyyy-MM-dd HH:mm:ss.SSS`,
 * booleans `true`/`false`, arrays (and any object) as JSON, numbers in JavaScript's shortest form, missing
 * values empty. `type` is the registered type; a value that does not have it is rendered by its own kind.
 */
export function renderValue(value: unknown, type: PropertyType | undefined, datetimes: DatetimeFormatter): string {
  if (value === undefined || value === null) return '';
  switch (typeof value) {
    case 'string': {
      if (type === 'datetime') {
        const ms = Date.parse(value);
        return Number.isNaN(ms) ? value : datetimes.format(ms);
      }
      return value;
    }
    case 'number':
      return Number.isFinite(value) ? String(value) : '';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    default:
      return JSON.stringify(value);
  }
}
