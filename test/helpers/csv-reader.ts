/**
 * A strict RFC 4180 reader for tests, written independently of the writer under test: fields separated by commas,
 * records by CRLF (a lone LF is accepted too), a quoted field may hold commas, CR, LF and doubled quotes.
 * Throws on anything malformed (a quote inside an unquoted field, text after a closing quote, an unterminated quote).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  if (n === 0) return records;
  let atFieldStart = true;
  while (i < n) {
    const c = text[i];
    if (atFieldStart && c === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') throw new Error(`text after a closing quote at ${i}`);
      atFieldStart = false;
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      if (c === '\r') {
        if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
        i++;
      }
      i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      atFieldStart = true;
      continue;
    }
    if (c === '"') throw new Error(`quote inside an unquoted field at ${i}`);
    field += c;
    atFieldStart = false;
    i++;
  }
  if (!atFieldStart || field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** CSV text → objects keyed by the header, plus the header itself. */
export function csvObjects(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header, ...rest] = parseCsv(text);
  return {
    header,
    rows: rest.map((r) => {
      if (r.length !== header.length) throw new Error(`row has ${r.length} fields, header ${header.length}`);
      return Object.fromEntries(header.map((h, i) => [h, r[i]]));
    }),
  };
}
