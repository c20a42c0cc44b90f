import { isObject, SECRET_PLACEHOLDER, type VendorDescriptor } from './vendor-descriptor.ts';

/** The config as the admin API shows it: public fields as stored, every other leaf `"[set]"`. */
export function redactConfig(d: Pick<VendorDescriptor, 'publicFields' | 'originOnlyFields'>, config: Record<string, unknown>): Record<string, unknown> {
  const isPublic = (path: string) => d.publicFields.some((p) => path === p || path.startsWith(p + '.'));
  const walk = (value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (isPublic(path)) out[k] = v;
      else if (d.originOnlyFields?.includes(path) && typeof v === 'string') out[k] = originOf(v);
      else if (isObject(v)) out[k] = walk(v, path);
      else out[k] = SECRET_PLACEHOLDER;
    }
    return out;
  };
  return walk(config, '');
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin + '/' : `${u.origin}/${SECRET_PLACEHOLDER}`;
  } catch {
    return SECRET_PLACEHOLDER;
  }
}
