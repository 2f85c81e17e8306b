// One list screen: search, filters, sort and a page, turned into connection arguments.
import { effect, signal, type Signal } from '@preact/signals';
import { gql } from '../api/client';
import type { ContentType, FilterField } from '../schema/model';
import type { Ref } from '../schema/values';
import { contentLocale } from './content';
import { textFilter } from './pick';
import { locales } from './app';
import { parseChoice, statusSelection, translationCondition, type TranslationChoice, type TranslationStatus } from './translation';

export const PAGE_SIZES = [20, 50, 100];

/** What the editor chose for one filter. */
export interface FilterValue {
  value?: string;
  ref?: Ref;
  from?: string;
  to?: string;
}

export interface Row {
  id: string;
  label: string | null;
  slug: string;
  workflowState: string;
  updatedAt: string;
  hasUnpublishedChanges: boolean;
  availableLocales: string[];
  /** When the server gives it (see `ContentType.translation`). */
  translationStatus?: TranslationStatus[];
}

export interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: Row[];
}

export interface ListState {
  type: ContentType;
  text: Signal<string>;
  filters: Signal<Record<string, FilterValue>>;
  /** Items whose translation into a locale is in a state (servers with translation status). */
  translation: Signal<TranslationChoice | null>;
  order: Signal<{ field: string; direction: 'ASC' | 'DESC' }>;
  /** The window: the first page, after a cursor, or before one. */
  window: Signal<{ after?: string; before?: string; offset: number }>;
  size: Signal<number>;
  page: Signal<Page | null>;
  error: Signal<string | null>;
  loading: Signal<boolean>;
  dispose: () => void;
}

/** One condition of the filter input from what the editor chose. */
export function condition(f: FilterField, v: FilterValue): Record<string, unknown> | null {
  switch (f.type) {
    case 'workflow':
    case 'enum':
      return v.value ? { [f.name]: { eq: v.value } } : null;
    case 'relation':
      if (!v.ref) return null;
      return { [f.name]: f.many ? { anyOf: [v.ref.id] } : { eq: v.ref.id } };
    case 'country':
      return v.value ? { [f.name]: { anyOf: [v.value] } } : null;
    case 'date':
    case 'datetime': {
      const at = (d: string, end: boolean) => (f.type === 'date' ? d : `${d}T${end ? '23:59:59' : '00:00:00'}Z`);
      const c: Record<string, string> = {};
      if (v.from) c.gte = at(v.from, false);
      if (v.to) c.lte = at(v.to, true);
      return Object.keys(c).length ? { [f.name]: c } : null;
    }
    default:
      return v.value ? { [f.name]: { contains: v.value } } : null;
  }
}

export function filterInput(
  type: ContentType,
  text: string,
  chosen: Record<string, FilterValue>,
  translation: TranslationChoice | null = null,
): Record<string, unknown> | null {
  const parts = [
    textFilter(type, text),
    ...type.filters.map((f) => (chosen[f.name] ? condition(f, chosen[f.name] as FilterValue) : null)),
    type.translation ? translationCondition(translation) : null,
  ].filter(
    (x): x is Record<string, unknown> => x !== null,
  );
  if (parts.length === 0) return null;
  return parts.length === 1 ? (parts[0] as Record<string, unknown>) : { and: parts };
}

export function openList(type: ContentType): ListState {
  const s: ListState = {
    type,
    text: signal(''),
    filters: signal({}),
    translation: signal(
      type.translation
        ? parseChoice(
            location.search,
            locales.value.map((l) => l.code),
          )
        : null,
    ),
    order: signal({ field: type.orderFields.includes('UPDATED_AT') ? 'UPDATED_AT' : 'ID', direction: 'DESC' }),
    window: signal({ offset: 0 }),
    size: signal(PAGE_SIZES[0] ?? 20),
    page: signal(null),
    error: signal(null),
    loading: signal(false),
    dispose: () => undefined,
  };
  const q = `query($f: ${type.name}Filter, $o: [${type.name}Order!], $first: Int, $after: String, $last: Int, $before: String, $l: String) {
    r: ${type.list}(preview: true, locale: $l, filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { id label: ${type.label} slug workflowState updatedAt hasUnpublishedChanges availableLocales ${statusSelection(type)} }
    }
  }`;
  let ctl: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  s.dispose = effect(() => {
    const w = s.window.value;
    const vars = {
      f: filterInput(type, s.text.value, s.filters.value, s.translation.value),
      o: [s.order.value],
      l: contentLocale.value,
      ...(w.before ? { last: s.size.value, before: w.before } : { first: s.size.value, after: w.after ?? null }),
    };
    clearTimeout(timer);
    timer = setTimeout(() => {
      ctl?.abort();
      ctl = new AbortController();
      s.loading.value = true;
      gql<{ r: Page }>(q, vars, ctl.signal).then(
        (d) => {
          performance.mark('relais:list-data');
          s.page.value = d.r;
          s.error.value = null;
          s.loading.value = false;
        },
        (e: Error) => {
          if (e.name === 'AbortError') return;
          s.error.value = e.message;
          s.loading.value = false;
        },
      );
    }, 150);
  });
  return s;
}

/** Changing what is asked starts again from the first page. */
export function restart(s: ListState): void {
  s.window.value = { offset: 0 };
}

export function nextPage(s: ListState): void {
  const p = s.page.value;
  if (p?.pageInfo.endCursor) s.window.value = { after: p.pageInfo.endCursor, offset: s.window.value.offset + p.nodes.length };
}

export function previousPage(s: ListState): void {
  const p = s.page.value;
  if (p?.pageInfo.startCursor) s.window.value = { before: p.pageInfo.startCursor, offset: Math.max(0, s.window.value.offset - s.size.value) };
}
