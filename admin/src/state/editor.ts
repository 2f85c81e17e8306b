// One open item: its values (a signal per field, so typing re-renders one
// field), what it was when loaded, and saving with the version it was based on.
import { computed, effect, signal, type Signal } from '@preact/signals';
import { ApiError, gql } from '../api/client';
import type { ContentType } from '../schema/model';
import { model } from '../schema/model';
import { changedInput, emptyValues, fromApi, type LocaleSet, selection, toInput, type Value, type Values } from '../schema/values';
import { defaultLocale, locales } from './app';
import { type Draft, draftKey, dropDraft, readDraft, writeDraft } from './drafts';
import { statusSelection, type TranslationStatus } from './translation';

export interface ItemMeta {
  id: string;
  version: number;
  slug: string;
  workflowState: 'DRAFT' | 'IN_REVIEW' | 'PUBLISHED' | 'ARCHIVED';
  updatedAt: string;
  publishedAt: string | null;
  hasUnpublishedChanges: boolean;
  availableLocales: string[];
  editLock: { user: { id: string; email: string } | null; expiresAt: string } | null;
  scheduledChanges: { id: string; action: string; at: string; timeZone: string | null; status: string }[];
  /** The saved working copy's translation status, when the server gives it. */
  translationStatus?: TranslationStatus[];
}

export interface Conflict {
  meta: ItemMeta;
  theirs: Values;
  /** What the form was based on when the conflict was found. */
  base: Values;
}

export interface Form {
  type: ContentType;
  id: string | null;
  meta: Signal<ItemMeta | null>;
  values: Record<string, Signal<Value>>;
  initial: Signal<Values>;
  errors: Signal<Record<string, string>>;
  status: Signal<'loading' | 'ready' | 'saving' | 'error'>;
  message: Signal<{ kind: 'ok' | 'error'; text: string } | null>;
  /** Set when a save found a newer version: the item as it now stands on the server. */
  conflict: Signal<Conflict | null>;
  dirty: Signal<boolean>;
  /** Unsaved changes found in this browser from an earlier visit, now restored. */
  restored: Signal<Draft | null>;
  dispose: () => void;
}

const META = 'id version slug workflowState updatedAt publishedAt hasUnpublishedChanges availableLocales editLock { user { id email } expiresAt } scheduledChanges { id action at timeZone status }';

export const labelOf = (typeName: string) => model().byName.get(typeName)?.label ?? 'id';

/** The fields whose value differs from what was loaded. */
export function changedFields(form: Form): Values {
  const out: Values = {};
  for (const f of form.type.fields) {
    const v = form.values[f.name]?.value ?? null;
    if (JSON.stringify(v) !== JSON.stringify(form.initial.value[f.name] ?? null)) out[f.name] = v;
  }
  return out;
}

/** Forgets the unsaved changes (kept locally) and shows what was loaded. */
export function discardChanges(form: Form): void {
  setValues(form, form.initial.value);
  dropDraft(draftKey(form.type.name, form.id));
  form.restored.value = null;
}

export function snapshot(form: Form): Values {
  return Object.fromEntries(Object.entries(form.values).map(([k, s]) => [k, s.value]));
}

function setValues(form: Form, v: Values): void {
  for (const f of form.type.fields) {
    const s = form.values[f.name];
    if (s) s.value = v[f.name] ?? null;
  }
  form.initial.value = v;
}

export function openForm(type: ContentType, id: string | null): Form {
  const empty = emptyValues(type.fields);
  const values = Object.fromEntries(type.fields.map((f) => [f.name, signal<Value>(empty[f.name] ?? null)]));
  const initial = signal<Values>(empty);
  const form: Form = {
    type,
    id,
    meta: signal(null),
    values,
    initial,
    errors: signal({}),
    status: signal(id ? 'loading' : 'ready'),
    message: signal(null),
    conflict: signal(null),
    dirty: computed(() => type.fields.some((f) => JSON.stringify(values[f.name]?.value) !== JSON.stringify(initial.value[f.name]))),
    restored: signal(null),
    dispose: () => undefined,
  };
  const key = draftKey(type.name, id);
  const keep = () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    form.dispose = effect(() => {
      const changed = changedFields(form);
      clearTimeout(timer);
      timer = setTimeout(() => writeDraft(key, changed), 300);
    });
  };
  const restore = () => {
    const d = readDraft(key);
    if (d) {
      for (const [k, v] of Object.entries(d.fields)) if (form.values[k]) (form.values[k] as Signal<Value>).value = v;
      form.restored.value = d;
    }
    keep();
  };
  if (id) void load(form).then(restore);
  else restore();
  return form;
}

/** The configured locales, as the form's reading needs them. */
export const localeSet = (): LocaleSet => ({ codes: locales.value.map((l) => l.code), default: defaultLocale() });

/** The one request that reads an item for its form (`$id`), in the working copy. */
export function itemQuery(type: ContentType, loc: LocaleSet): string {
  return `query($id: ID!) {
    item: ${type.one}(id: $id, preview: true, locale: ${JSON.stringify(loc.default)}) { ${META} ${statusSelection(type)} ${selection(type.fields, labelOf, loc)} }
  }`;
}

/** Reads the item, every locale exactly (see `selection`), as form values. */
export async function read(form: Form): Promise<{ meta: ItemMeta; values: Values } | null> {
  const { type, id } = form;
  const loc = localeSet();
  const data = await gql<{ item: Record<string, unknown> | null }>(itemQuery(type, loc), { id });
  const item = data.item;
  if (!item) return null;
  return { meta: item as unknown as ItemMeta, values: fromApi(type.fields, item, loc) };
}

/** Loads the item into the form; `keep` keeps the values being edited (only what they are compared with changes). */
export async function load(form: Form, keep = false): Promise<void> {
  try {
    const got = await read(form);
    if (!got) {
      form.status.value = 'error';
      form.message.value = { kind: 'error', text: 'NOT_FOUND' };
      return;
    }
    form.meta.value = got.meta;
    if (keep) form.initial.value = got.values;
    else setValues(form, got.values);
    form.status.value = 'ready';
  } catch (e) {
    form.status.value = 'error';
    form.message.value = { kind: 'error', text: (e as Error).message };
  }
}

/**
 * Saves: creates, or updates with only the fields changed since loading.
 * Resolves to the item's id (new for a create), or null when refused.
 */
export async function save(form: Form, version?: number): Promise<string | null> {
  const { type } = form;
  const values = snapshot(form);
  form.status.value = 'saving';
  form.errors.value = {};
  form.message.value = null;
  try {
    if (!form.id) {
      const data = await gql<{ r: { id: string } }>(
        `mutation($i: ${type.name}Input!) { r: create${type.name}(input: $i) { id } }`,
        { i: toInput(type.fields, values) },
      );
      form.status.value = 'ready';
      form.initial.value = values;
      dropDraft(draftKey(type.name, null));
      return data.r.id;
    }
    const input = changedInput(type.fields, values, form.initial.value);
    await gql(`mutation($id: ID!, $v: Int!, $i: ${type.name}Input!) { r: update${type.name}(id: $id, version: $v, input: $i) { id version } }`, {
      id: form.id,
      v: version ?? form.meta.value?.version,
      i: input,
    });
    form.conflict.value = null;
    dropDraft(draftKey(type.name, form.id));
    form.restored.value = null;
    await load(form);
    form.message.value = { kind: 'ok', text: 'saved' };
    return form.id;
  } catch (e) {
    form.status.value = 'ready';
    if (!(e instanceof ApiError)) {
      form.message.value = { kind: 'error', text: (e as Error).message };
      return null;
    }
    if (e.code === 'CONFLICT') {
      const now = await read(form).catch(() => null);
      if (now) form.conflict.value = { meta: now.meta, theirs: now.values, base: form.initial.value };
      else form.message.value = { kind: 'error', text: e.message };
      return null;
    }
    // Errors naming a field go next to it (by its top-level name); the rest on top.
    const errors: Record<string, string> = {};
    for (const x of e.errors) {
      const top = x.field?.split(/[.[]/)[0];
      if (top && type.fields.some((f) => f.name === top)) errors[top] = errors[top] ? `${errors[top]}\n${x.message}` : x.message;
    }
    form.errors.value = errors;
    if (Object.keys(errors).length === 0) form.message.value = { kind: 'error', text: e.code === 'UNAUTHENTICATED' ? '' : e.message };
    return null;
  }
}

/** The fields where mine and theirs differ, with who changed each since the common base. */
export function conflictFields(form: Form, c: Conflict): { name: string; mine: Value; theirs: Value; byMe: boolean; byThem: boolean }[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return form.type.fields
    .map((f) => {
      const mine = form.values[f.name]?.value ?? null;
      const theirs = c.theirs[f.name] ?? null;
      const base = c.base[f.name] ?? null;
      return { name: f.name, mine, theirs, byMe: !same(mine, base), byThem: !same(theirs, base) };
    })
    .filter((x) => !same(x.mine, x.theirs) && (x.byMe || x.byThem));
}

/**
 * Ends a conflict: the form is now based on their version; each field holds
 * mine or theirs as chosen (a field only they changed keeps theirs unless
 * chosen otherwise). Saving then sends my kept changes with their version.
 */
export function resolveConflict(form: Form, keepMine: Set<string>): void {
  const c = form.conflict.value;
  if (!c) return;
  for (const f of form.type.fields) {
    const s = form.values[f.name];
    if (s && !keepMine.has(f.name)) s.value = c.theirs[f.name] ?? null;
  }
  form.initial.value = c.theirs;
  form.meta.value = c.meta;
  form.conflict.value = null;
}
