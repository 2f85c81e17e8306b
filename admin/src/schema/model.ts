// What the admin shows, derived from the schema alone: a content type is an
// object type implementing `Content` with a `<Type>Input`, a connection at the
// root and `create<Type>`/`update<Type>`; a form field is a field of that input.
import type { Introspection, RawField, RawType, TypeRef } from './introspection';

export type Widget =
  | { type: 'text' }
  | { type: 'textList' }
  | { type: 'int' }
  | { type: 'float' }
  | { type: 'boolean' }
  | { type: 'date' }
  | { type: 'datetime' }
  | { type: 'json' }
  | { type: 'enum'; values: string[] }
  | { type: 'enumList'; values: string[] }
  /** `[LocalizedStringInput!]`: one text per locale. */
  | { type: 'localized' }
  /** `[[LocalizedStringInput!]!]`: an ordered list of texts, each per locale. */
  | { type: 'localizedList' }
  /** `[LocalizedRichTextInput!]`: one document per locale. */
  | { type: 'richText' }
  | { type: 'country'; many: boolean }
  /** IDs of other content; `withRole` for `[LinkInput!]` (a role per locale). */
  | { type: 'relation'; many: boolean; target: string; withRole: boolean }
  /** An input object: one (`MoneyInput`) or an ordered list of sub-items (`[EventSessionInput!]`). */
  | { type: 'group'; many: boolean; typeName: string; fields: Field[] };

export interface Field {
  name: string;
  description: string;
  required: boolean;
  widget: Widget;
  /** How to read the current value, or null when the object type has no such field. */
  read: FieldRead | null;
}

/** What the object field of a form field offers for reading every locale exactly. */
export interface FieldRead {
  /** `<field>Localized` exists: every translation of a string or, entry by entry, of a list. */
  localized: boolean;
  /** The field is a connection (`edges { node }`). */
  connection: boolean;
  /** The field takes `locale:` (rich text is read once per locale with field aliases). */
  localeArg: boolean;
  /** The connection's edges have `roleLocalized` (every translation of a relation's role). */
  roleLocalized: boolean;
}

export interface ContentType {
  name: string;
  /** Root connection field, also the URL segment: `projects`. */
  list: string;
  /** Root lookup field: `project`. */
  one: string;
  /** The field that names an item in lists and pickers: `title`, `name`… */
  label: string;
  fields: Field[];
  filters: FilterField[];
  orderFields: string[];
  /** Whether `create<Type>` exists (media are made by upload). */
  creatable: boolean;
  /** Whether the server gives `translationStatus` and the `translation` list filter. */
  translation: boolean;
}

export type FilterField =
  | { name: string; type: 'workflow' | 'enum'; values: string[] }
  | { name: string; type: 'relation'; target: string; many: boolean }
  | { name: string; type: 'country' }
  | { name: string; type: 'date' | 'datetime' }
  | { name: string; type: 'text' };

export interface Model {
  types: ContentType[];
  byList: Map<string, ContentType>;
  byName: Map<string, ContentType>;
  raw: Map<string, RawType>;
}

const LABEL_FIELDS = ['title', 'name', 'acronym', 'fileName', 'slug'];
const LOCALIZED = 'LocalizedStringInput';
const RICH = 'LocalizedRichTextInput';
const LINK = 'LinkInput';

/** The named type under lists and non-nulls, and how many list levels wrap it. */
export function unwrap(t: TypeRef): { name: string; kind: TypeRef['kind']; lists: number; required: boolean } {
  let lists = 0;
  const required = t.kind === 'NON_NULL';
  let cur: TypeRef | null = t;
  while (cur && (cur.kind === 'LIST' || cur.kind === 'NON_NULL')) {
    if (cur.kind === 'LIST') lists++;
    cur = cur.ofType;
  }
  return { name: cur?.name ?? '', kind: cur?.kind ?? 'SCALAR', lists, required };
}

export function buildModel(intro: Introspection): Model {
  const raw = new Map(intro.__schema.types.map((t) => [t.name, t]));
  const query = raw.get('Query');
  const mutation = raw.get('Mutation');
  const mutations = new Set(mutation?.fields?.map((f) => f.name));
  const types: ContentType[] = [];
  for (const t of intro.__schema.types) {
    if (t.kind !== 'OBJECT' || !t.interfaces?.some((i) => i.name === 'Content')) continue;
    const input = raw.get(`${t.name}Input`);
    const list = query?.fields?.find((f) => unwrap(f.type).name === `${t.name}Connection`);
    const one = query?.fields?.find((f) => unwrap(f.type).name === t.name && unwrap(f.type).lists === 0);
    if (!input || !list || !one || !mutations.has(`update${t.name}`)) continue;
    const objectFields = new Set(t.fields?.map((f) => f.name));
    const filter = raw.get(`${t.name}Filter`);
    types.push({
      name: t.name,
      list: list.name,
      one: one.name,
      label: LABEL_FIELDS.find((f) => objectFields.has(f)) ?? 'slug',
      fields: inputFields(raw, input, t),
      filters: filterFields(raw, filter, t),
      orderFields: raw.get(`${t.name}OrderField`)?.enumValues?.map((v) => v.name) ?? [],
      creatable: mutations.has(`create${t.name}`),
      translation: objectFields.has('translationStatus') && !!filter?.inputFields?.some((f) => f.name === 'translation'),
    });
  }
  // In the order of the root fields (organisations, missions, … as the schema lists them).
  const order = query?.fields?.map((f) => f.name) ?? [];
  types.sort((a, b) => order.indexOf(a.list) - order.indexOf(b.list));
  return { types, byList: new Map(types.map((c) => [c.list, c])), byName: new Map(types.map((c) => [c.name, c])), raw };
}

/** The form fields of an input type, read through the object type of the same shape. */
export function inputFields(raw: Map<string, RawType>, input: RawType, object: RawType | undefined): Field[] {
  const objFields = new Map((object?.fields ?? []).map((f) => [f.name, f]));
  return (input.inputFields ?? []).map((f) => {
    const of = objFields.get(f.name);
    const widget = widgetFor(raw, f, of);
    return {
      name: f.name,
      description: f.description ?? '',
      required: f.type.kind === 'NON_NULL' || /\bRequired\b/.test(f.description ?? ''),
      widget,
      read: of ? readOf(raw, of, objFields.has(`${f.name}Localized`)) : null,
    };
  });
}

function readOf(raw: Map<string, RawType>, of: RawField, localized: boolean): FieldRead {
  const type = unwrap(of.type).name;
  const connection = type.endsWith('Connection');
  const edges = connection ? raw.get(type)?.fields?.find((f) => f.name === 'edges') : undefined;
  const edge = edges ? raw.get(unwrap(edges.type).name) : undefined;
  return {
    localized,
    connection,
    localeArg: !!of.args?.some((a) => a.name === 'locale'),
    roleLocalized: !!edge?.fields?.some((f) => f.name === 'roleLocalized'),
  };
}

/** The content type an object field points to (through a connection if need be). */
function targetOf(raw: Map<string, RawType>, of: RawField | undefined): string | null {
  if (!of) return null;
  const name = unwrap(of.type).name;
  if (name.endsWith('Connection')) {
    const nodes = raw.get(name)?.fields?.find((f) => f.name === 'nodes');
    return nodes ? unwrap(nodes.type).name : null;
  }
  return raw.get(name)?.interfaces?.some((i) => i.name === 'Node') ? name : null;
}

function widgetFor(raw: Map<string, RawType>, f: RawField, of: RawField | undefined): Widget {
  const { name, kind, lists } = unwrap(f.type);
  const objName = of ? unwrap(of.type).name : '';
  if (name === LOCALIZED) return lists > 1 ? { type: 'localizedList' } : { type: 'localized' };
  if (name === RICH) return { type: 'richText' };
  if (name === LINK) return { type: 'relation', many: true, target: targetOf(raw, of) ?? '', withRole: true };
  if (kind === 'ENUM') return { type: lists > 0 ? 'enumList' : 'enum', values: raw.get(name)?.enumValues?.map((v) => v.name) ?? [] };
  if (kind === 'INPUT_OBJECT') {
    const sub = raw.get(name);
    const subObject = raw.get(objName);
    return { type: 'group', many: lists > 0, typeName: name, fields: sub ? inputFields(raw, sub, subObject) : [] };
  }
  if (objName === 'Country') return { type: 'country', many: lists > 0 };
  if (name === 'ID') {
    const target = targetOf(raw, of);
    if (target) return { type: 'relation', many: lists > 0, target, withRole: false };
    return lists > 0 ? { type: 'textList' } : { type: 'text' };
  }
  if (lists > 0) return { type: 'textList' };
  switch (name) {
    case 'Int':
      return { type: 'int' };
    case 'Float':
      return { type: 'float' };
    case 'Boolean':
      return { type: 'boolean' };
    case 'Date':
      return { type: 'date' };
    case 'DateTime':
      return { type: 'datetime' };
    case 'JSON':
      return { type: 'json' };
    default:
      return { type: 'text' };
  }
}

function filterFields(raw: Map<string, RawType>, filter: RawType | undefined, object: RawType): FilterField[] {
  const objFields = new Map((object.fields ?? []).map((f) => [f.name, f]));
  const out: FilterField[] = [];
  for (const f of filter?.inputFields ?? []) {
    const t = unwrap(f.type).name;
    // `translation` has its own control (see state/translation.ts).
    if (f.name === 'id' || ['and', 'or', 'not', 'translation'].includes(f.name)) continue;
    if (t === 'WorkflowStateFilter') out.push({ name: f.name, type: 'workflow', values: enumOf(raw, 'WorkflowState') });
    else if (t === 'StringFilter') out.push({ name: f.name, type: 'text' });
    else if (t === 'DateFilter') out.push({ name: f.name, type: 'date' });
    else if (t === 'DateTimeFilter') out.push({ name: f.name, type: 'datetime' });
    else if (t === 'CountriesFilter') out.push({ name: f.name, type: 'country' });
    else if (t === 'IDFilter' || t === 'RelationFilter') {
      const target = targetOf(raw, objFields.get(f.name));
      if (target) out.push({ name: f.name, type: 'relation', target, many: t === 'RelationFilter' });
    } else if (t.endsWith('Filter')) {
      // An enum filter: `<Enum>Filter` with `eq: <Enum>`.
      const eq = raw.get(t)?.inputFields?.find((x) => x.name === 'eq');
      const e = eq && unwrap(eq.type);
      if (e?.kind === 'ENUM') out.push({ name: f.name, type: 'enum', values: enumOf(raw, e.name) });
    }
  }
  return out;
}

function enumOf(raw: Map<string, RawType>, name: string): string[] {
  return raw.get(name)?.enumValues?.map((v) => v.name) ?? [];
}

/** The loaded schema, set once at start. */
let current: Model | null = null;
export function setModel(m: Model): void {
  current = m;
}
export function model(): Model {
  if (!current) throw new Error('schema not loaded');
  return current;
}

