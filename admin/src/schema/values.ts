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

/** The configured locales, for reading every locale of an item in one request. */
export interface LocaleSet {
  /** Every configured locale code. */
  codes: string[];
  /** Where a field with no per-locale reading is read (the item is read in it). */
  default: string;
}
const NO_LOCALES: LocaleSet = { codes: [], default: 'fr' };

const TRANSLATIONS = 'translations { locale value }';

/** The alias under which a rich-text field is read in one locale: `body__ar`. */
export const localeAlias = (field: string, code: string) => `${field}__${code.replace(/[^A-Za-z0-9_]/g, '_')}`;

/**
 * The selection set that reads every field of a form, in every locale and
 * exactly (never a fallback's value for a translation): `…Localized {
 * translations }` for localised strings and, entry by entry, localised lists;
 * `roleLocalized { translations }` on relation edges; rich text once per
 * locale through field aliases, each telling whether it fell back.
 */
export function selection(fields: Field[], labelOf: LabelOf, locales: LocaleSet = NO_LOCALES): string {
  return fields
    .filter((f) => f.read)
    .map((f) => select(f, labelOf, locales))
    .join(' ');
}

function select(f: Field, labelOf: LabelOf, locales: LocaleSet): string {
  const w = f.widget;
  switch (w.type) {
    case 'localized':
    case 'localizedList':
      return f.read?.localized ? `${f.name}Localized { ${TRANSLATIONS} }` : f.name;
    case 'richText': {
      const one = '{ document locale isFallback }';
      if (!f.read?.localeArg || locales.codes.length === 0) return `${f.name} ${one}`;
      return locales.codes.map((l) => `${localeAlias(f.name, l)}: ${f.name}(locale: ${JSON.stringify(l)}) ${one}`).join(' ');
    }
    case 'country':
      return `${f.name} { code }`;
    case 'relation': {
      const node = `id label: ${labelOf(w.target)}`;
      if (!f.read?.connection) return `${f.name} { ${node} }`;
      const role = w.withRole ? (f.read.roleLocalized ? `roleLocalized { ${TRANSLATIONS} } ` : 'role ') : '';
      return `${f.name}(first: 100) { edges { ${role}node { ${node} } } }`;
    }
    case 'group':
      return `${f.name} { ${selection(w.fields, labelOf, locales)} }`;
    default:
      return f.name;
  }
}

type Obj = Record<string, unknown>;
interface Translated {
  translations?: { locale: string; value: string | null }[] | null;
}
interface RichTextRead {
  document: Doc;
  locale: string;
  isFallback: boolean;
}

/** Every translation of a `LocalizedString`, by locale (empty values left out). */
function perLocale(x: Translated | null | undefined): PerLocale {
  return Object.fromEntries((x?.translations ?? []).flatMap((t) => (t.value ? [[t.locale, t.value]] : [])));
}

/** A value read in the default locale only (a server without `…Localized`). */
const inDefault = (v: unknown, def: string): PerLocale => (typeof v === 'string' && v ? { [def]: v } : {});

/** Form values from an item read with `selection` (the same `locales`). */
export function fromApi(fields: Field[], item: Obj | null, locales: LocaleSet = NO_LOCALES): Values {
  const out: Values = {};
  const def = locales.default;
  for (const f of fields) {
    const localized = !!f.read?.localized && (f.widget.type === 'localized' || f.widget.type === 'localizedList');
    const raw = item?.[localized ? `${f.name}Localized` : f.name];
    const w = f.widget;
    switch (w.type) {
      case 'localized':
        out[f.name] = localized ? perLocale(raw as Translated | null) : inDefault(raw, def);
        break;
      case 'localizedList':
        out[f.name] = localized
          ? ((raw as Translated[] | null) ?? []).map(perLocale).filter((e) => Object.keys(e).length > 0)
          : ((raw as string[] | null) ?? []).map((v) => inDefault(v, def)).filter((e) => Object.keys(e).length > 0);
        break;
      case 'richText': {
        const docs: Record<string, Doc | null> = {};
        const own = (rt: RichTextRead | null | undefined, loc: string) => {
          if (rt && !rt.isFallback && rt.locale === loc) docs[loc] = rt.document;
        };
        if (f.read?.localeArg && locales.codes.length > 0) for (const l of locales.codes) own(item?.[localeAlias(f.name, l)] as RichTextRead | null, l);
        else if (raw) own(raw as RichTextRead, (raw as RichTextRead).locale);
        out[f.name] = docs;
        break;
      }
      case 'country':
        out[f.name] = w.many
          ? ((raw as { code: string }[] | null) ?? []).map((c) => c.code)
          : ((raw as { code: string } | null)?.code ?? '');
        break;
      case 'relation':
        out[f.name] = readRelation(f, raw, def);
        break;
      case 'group':
        out[f.name] = w.many
          ? ((raw as Obj[] | null) ?? []).map((x) => fromApi(w.fields, x, locales))
          : raw
            ? fromApi(w.fields, raw as Obj, locales)
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

interface Edge {
  role?: string | null;
  roleLocalized?: Translated | null;
  node: { id: string; label: string | null };
}

function readRelation(f: Field, raw: unknown, def: string): Ref | Ref[] | null {
  const w = f.widget;
  if (w.type !== 'relation') return null;
  const ref = (n: { id: string; label: string | null }): Ref => ({ id: n.id, label: n.label ?? n.id });
  if (!f.read?.connection) {
    if (w.many) return ((raw as { id: string; label: string | null }[] | null) ?? []).map(ref);
    return raw ? ref(raw as { id: string; label: string | null }) : null;
  }
  const edges = (raw as { edges: Edge[] } | null)?.edges ?? [];
  if (!w.withRole) return edges.map((e) => ref(e.node));
  return edges.map((e) => ({ ...ref(e.node), role: f.read?.roleLocalized ? perLocale(e.roleLocalized) : inDefault(e.role, def) }));
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
