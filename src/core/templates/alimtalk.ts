/**
 * Kakao alimtalk placeholders (D11): `#{name}` in the approved template body, filled from the template parameters.
 * The one copy of the rule (the Kakao providers receive filled content): names verbatim, one pass (a value
 * containing `#{...}` is inserted as text), and nothing is filled when a name has no value — a half-filled alimtalk
 * would not match its approved template.
 */
const PLACEHOLDER = /#\{([^{}]+)\}/g;

export function placeholdersOf(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (!names.includes(m[1])) names.push(m[1]);
  return names;
}

export function fillPlaceholders(
  template: string,
  parameters: Readonly<Record<string, string>>,
): { ok: true; content: string } | { ok: false; missing: string[] } {
  const missing = placeholdersOf(template).filter((n) => !Object.hasOwn(parameters, n));
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, content: template.replace(PLACEHOLDER, (_m, name: string) => String(parameters[name])) };
}
