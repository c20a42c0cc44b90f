/**
 * Kakao alimtalk templates: `#{name}` placeholders, filled from `templateParameter`.
 *
 * - A placeholder is `#{` + a name + `}`; the name is taken verbatim (Korean, digits, spaces, `_`, `.`
 *   all allowed, as in Kakao's template console) and may not contain `{` or `}`. `#{}` is not a
 *   placeholder and stays as written.
 * - Filling is one pass: a value that itself contains `#{...}` is inserted as text, never expanded.
 * - A name counts as missing when the parameters have no own property of that name; an empty string
 *   is a value (Kakao replaces with it). Missing names are reported once each, in order of first use,
 *   and nothing is filled then — a half-filled alimtalk would not match its approved template.
 */

const PLACEHOLDER = /#\{([^{}]+)\}/g;

export type AlimtalkFillResult = { ok: true; content: string } | { ok: false; missing: string[] };

/** The distinct placeholder names of `template`, in order of first appearance. */
export function placeholdersOf(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export function fillAlimtalkTemplate(template: string, parameters: Readonly<Record<string, string>>): AlimtalkFillResult {
  const missing = placeholdersOf(template).filter((name) => !Object.hasOwn(parameters, name));
  if (missing.length > 0) return { ok: false, missing };
  const content = template.replace(PLACEHOLDER, (_match, name: string) => String(parameters[name]));
  return { ok: true, content };
}
