// Between the API's shapes and the form's: what to select to read an item,
// how its answer becomes form values, and how form values become `<Type>Input`.
import type { Field } from './model';

export interface Ref {
  id: string;
  label: string;
  /** Per locale, for relations that carry a role (`LinkInput`). */
  role?: Record<string, string>;
}
export type PerLocale = Record<string, string>;
export type Doc = { type: 'doc'; blocks: unknown[] } & Record<string, unknown>;
export type Value =
  | string
  | boolean
  | null
  | string[]
  | PerLocale
  | PerLocale[]
  | Record<string, Doc | null>
  | Ref
  | Ref[]
  | Values
  | Values[];
export interface Values {
  [field: string]: Value;
}

/** The field that names an item of a type, for lists and pickers. */
export type LabelOf = (typeName: string) => string;

/** The selection set that reads every field of a form (in one locale for rich text, lists and roles). */
export function selection(fields: Field[], labelOf: LabelOf): string {
  return fields
    .filter((f) => f.read)
    .map((f) => select(f, labelOf))
    .join(' ');
}

function select(f: Field, labelOf: LabelOf): string {
  const w = f.widget;
  switch (w.type) {
    case 'localized':
      return f.read?.localized ? `${f.name}Localized { translations { locale value } }` : f.name;
    case 'richText':
      return `${f.name} { document locale isFallback }`;
    case 'country':
      return `${f.name} { code }`;
    case 'relation': {
      const node = `id label: ${labelOf(w.target)}`;
      if (!f.read?.connection) return `${f.name} { ${node} }`;
      return `${f.name}(first: 100) { edges { ${w.withRole ? 'role ' : ''}node { ${node} } } }`;
    }
    case 'group':
      return `${f.name} { ${selection(w.fields, labelOf)} }`;
    default:
      return f.name;
  }
}

/** Fields whose value the API serves in the requested locale only: read once per locale. */
export function perLocaleFields(fields: Field[]): Field[] {
  return fields.filter(
    (f) => f.read && (f.widget.type === 'richText' || f.widget.type === 'localizedList' || (f.widget.type === 'relation' && f.widget.withRole)),
  );
}

type Obj = Record<string, unknown>;

/**
 * Form values from an item as read. `byLocale` holds the same item read in
 * each locale, for the fields of `perLocaleFields`; `fallbacks` says where
 * each locale falls back to, so that a fallback value is not taken as a
 * translation.
 */
export function fromApi(
  fields: Field[],
  item: Obj | null,
  byLocale: Record<string, Obj | null> = {},
  fallbacks: Record<string, string[]> = {},
  defaultLocale = 'fr',
): Values {
  const out: Values = {};
  for (const f of fields) {
    const raw = item?.[f.read?.localized ? `${f.name}Localized` : f.name];
    const w = f.widget;
    switch (w.type) {
      case 'localized': {
        if (f.read?.localized) {
          const tr = (raw as { translations?: { locale: string; value: string }[] } | null)?.translations ?? [];
          out[f.name] = Object.fromEntries(tr.map((x) => [x.locale, x.value]));
        } else out[f.name] = typeof raw === 'string' && raw ? { [defaultLocale]: raw } : {};
        break;
      }
      case 'localizedList': {
        const lists = ownPerLocale(byLocale, fallbacks, (o) => (o?.[f.name] as string[] | undefined) ?? []);
        const len = Math.max(0, ...Object.values(lists).map((l) => l.length));
        out[f.name] = Array.from({ length: len }, (_, i) =>
          Object.fromEntries(Object.entries(lists).flatMap(([loc, l]) => (l[i] ? [[loc, l[i]]] : []))),
        );
        break;
      }
      case 'richText': {
        const docs: Record<string, Doc | null> = {};
        for (const [loc, o] of Object.entries(byLocale)) {
          const rt = o?.[f.name] as { document: Doc; locale: string; isFallback: boolean } | null | undefined;
          if (rt && !rt.isFallback && rt.locale === loc) docs[loc] = rt.document;
        }
        out[f.name] = docs;
        break;
      }
      case 'country':
        out[f.name] = w.many
          ? ((raw as { code: string }[] | null) ?? []).map((c) => c.code)
          : ((raw as { code: string } | null)?.code ?? '');
        break;
      case 'relation':
        out[f.name] = readRelation(f, raw, byLocale, fallbacks);
        break;
      case 'group':
        out[f.name] = w.many
          ? ((raw as Obj[] | null) ?? []).map((x) => fromApi(w.fields, x, {}, fallbacks, defaultLocale))
          : raw
            ? fromApi(w.fields, raw as Obj, {}, fallbacks, defaultLocale)
            : null;
        break;
      case 'boolean':
        out[f.name] = typeof raw === 'boolean' ? raw : null;
        break;
      case 'textList':
      case 'enumList':
        out[f.name] = (raw as string[] | null) ?? [];
        break;
      case 'json':
        out[f.name] = raw == null ? '' : JSON.stringify(raw, null, 2);
        break;
      default:
        out[f.name] = raw == null ? '' : String(raw);
    }
  }
  return out;
}

/** Per locale, what `get` reads, leaving out a locale whose value equals a fallback's. */
function ownPerLocale<T>(byLocale: Record<string, Obj | null>, fallbacks: Record<string, string[]>, get: (o: Obj | null) => T): Record<string, T> {
  const all = Object.fromEntries(Object.entries(byLocale).map(([l, o]) => [l, get(o)]));
  const same = (a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);
  return Object.fromEntries(
    Object.entries(all).filter(([l, v]) => !(fallbacks[l] ?? []).some((fb) => fb in all && same(all[fb] as T, v))),
  );
}

interface Edge {
  role?: string | null;
  node: { id: string; label: string | null };
}

function readRelation(f: Field, raw: unknown, byLocale: Record<string, Obj | null>, fallbacks: Record<string, string[]>): Ref | Ref[] | null {
  const w = f.widget;
  if (w.type !== 'relation') return null;
  const ref = (n: { id: string; label: string | null }): Ref => ({ id: n.id, label: n.label ?? n.id });
  if (!f.read?.connection) {
    if (w.many) return ((raw as { id: string; label: string | null }[] | null) ?? []).map(ref);
    return raw ? ref(raw as { id: string; label: string | null }) : null;
  }
  const edges = (raw as { edges: Edge[] } | null)?.edges ?? [];
  if (!w.withRole) return edges.map((e) => ref(e.node));
  const roles = ownPerLocale(byLocale, fallbacks, (o) =>
    Object.fromEntries(((o?.[f.name] as { edges: Edge[] } | undefined)?.edges ?? []).map((e) => [e.node.id, e.role ?? ''])),
  );
  return edges.map((e) => ({
    ...ref(e.node),
    role: Object.fromEntries(Object.entries(roles).flatMap(([loc, r]) => (r[e.node.id] ? [[loc, r[e.node.id] as string]] : []))),
  }));
}

const entries = (v: PerLocale) =>
  Object.entries(v)
    .filter(([, s]) => s.trim() !== '')
    .map(([locale, value]) => ({ locale, value }));

/** One field's value as the input type wants it; undefined leaves it out. */
function inputOf(f: Field, v: Value | undefined): unknown {
  const w = f.widget;
  switch (w.type) {
    case 'localized':
      return entries((v as PerLocale | undefined) ?? {});
    case 'localizedList':
      return ((v as PerLocale[] | undefined) ?? []).map(entries).filter((e) => e.length > 0);
    case 'richText':
      return Object.entries((v as Record<string, Doc | null> | undefined) ?? {}).map(([locale, document]) => ({ locale, document }));
    case 'country':
      return w.many ? v : v || null;
    case 'relation': {
      if (!w.many) return (v as Ref | null)?.id ?? null;
      const refs = (v as Ref[] | undefined) ?? [];
      return w.withRole ? refs.map((r) => ({ id: r.id, role: entries(r.role ?? {}) })) : refs.map((r) => r.id);
    }
    case 'group':
      if (w.many) return ((v as Values[] | undefined) ?? []).map((x) => toInput(w.fields, x));
      return v ? toInput(w.fields, v as Values) : null;
    case 'int':
    case 'float': {
      const s = String(v ?? '').trim();
      return s === '' ? null : Number(s);
    }
    case 'boolean':
      return v ?? null;
    case 'textList':
      return (v as string[] | undefined)?.filter((s) => s.trim() !== '') ?? [];
    case 'enumList':
      return (v as string[] | undefined) ?? [];
    case 'json': {
      const s = String(v ?? '').trim();
      return s === '' ? null : (JSON.parse(s) as unknown);
    }
    default: {
      const s = String(v ?? '').trim();
      return s === '' ? null : s;
    }
  }
}

const isEmpty = (x: unknown) => x == null || (Array.isArray(x) && x.length === 0);

/** A whole input object from form values (for create, and for sub-items); empty fields left out. */
export function toInput(fields: Field[], values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const x = inputOf(f, values[f.name]);
    if (!isEmpty(x)) out[f.name] = x;
  }
  return out;
}

/**
 * The input for an update: only fields that differ from `initial`; for
 * localised fields only the locales that changed, an emptied one sent as
 * null (which removes it).
 */
export function changedInput(fields: Field[], values: Values, initial: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const now = values[f.name];
    const was = initial[f.name];
    if (JSON.stringify(now) === JSON.stringify(was)) continue;
    if (f.widget.type === 'localized' || f.widget.type === 'richText') {
      const a = (now ?? {}) as Record<string, unknown>;
      const b = (was ?? {}) as Record<string, unknown>;
      const locales = new Set([...Object.keys(a), ...Object.keys(b)]);
      const changed = [...locales].filter((l) => JSON.stringify(a[l] ?? null) !== JSON.stringify(b[l] ?? null));
      out[f.name] = changed.map((locale) => {
        const v = a[locale];
        if (f.widget.type === 'richText') return { locale, document: v ?? null };
        return { locale, value: typeof v === 'string' && v.trim() !== '' ? v : null };
      });
    } else out[f.name] = inputOf(f, now);
  }
  return out;
}

/** Empty form values for a new item. */
export function emptyValues(fields: Field[]): Values {
  return fromApi(fields, null);
}
