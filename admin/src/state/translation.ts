// Translation status as the API gives it (`translationStatus` on every content
// type and `filter: { translation: { locale, state } }`, when the server has
// them): per locale, the localised fields missing and those outdated because
// the source (default) locale changed after the translation was saved.
import type { ContentType } from '../schema/model';

export interface TranslationStatus {
  locale: string;
  missing: string[];
  outdated: string[];
  complete: boolean;
}

export const TRANSLATION_STATES = ['INCOMPLETE', 'MISSING', 'OUTDATED', 'COMPLETE'] as const;
export type TranslationState = (typeof TRANSLATION_STATES)[number];

/** A list filter on translation: items whose `locale` translation is in `state`. */
export interface TranslationChoice {
  locale: string;
  state: TranslationState;
}

export const STATUS_SELECTION = 'translationStatus { locale missing outdated complete }';

/** What a type's item selection adds for its status (nothing when the server lacks it). */
export const statusSelection = (type: ContentType): string => (type.translation ? STATUS_SELECTION : '');

const isState = (s: string): s is TranslationState => (TRANSLATION_STATES as readonly string[]).includes(s);

/** `?translation=ar:OUTDATED` in a list's address (the home screen links there). */
export function parseChoice(search: string, locales: string[]): TranslationChoice | null {
  const raw = new URLSearchParams(search).get('translation');
  if (!raw) return null;
  const [locale = '', state = 'INCOMPLETE'] = raw.split(':');
  return locales.includes(locale) && isState(state) ? { locale, state } : null;
}

export function choiceQuery(c: TranslationChoice): string {
  return `?${new URLSearchParams({ translation: `${c.locale}:${c.state}` }).toString()}`;
}

/** The condition of a list's filter input. */
export function translationCondition(c: TranslationChoice | null): Record<string, unknown> | null {
  return c ? { translation: { locale: c.locale, state: c.state } } : null;
}

/** How a field stands in a locale: missing, outdated (the source changed since), or neither. */
export function markOf(statuses: TranslationStatus[] | null | undefined, locale: string, field: string): 'missing' | 'outdated' | null {
  const s = statuses?.find((x) => x.locale === locale);
  if (s?.missing.includes(field)) return 'missing';
  if (s?.outdated.includes(field)) return 'outdated';
  return null;
}

export interface LocaleCount {
  locale: string;
  missing: number;
  outdated: number;
  complete: boolean;
}

/** Per locale, in the server's order (the source first): how many fields are missing and outdated. */
export function counts(statuses: TranslationStatus[] | null | undefined): LocaleCount[] {
  return (statuses ?? []).map((s) => ({ locale: s.locale, missing: s.missing.length, outdated: s.outdated.length, complete: s.complete }));
}

/** Aliases must be names: `t3_projects` rather than a locale code with a hyphen. */
const alias = (i: number, list: string, state: TranslationState) => `t${i}_${list}_${state.toLowerCase()}`;

/**
 * One query counting, for a locale, each type's items that wait for it:
 * incomplete (either), missing and outdated (`first: 0`, totals only).
 */
export function waitingQuery(types: ContentType[], locale: string): string {
  const parts = types
    .filter((t) => t.translation)
    .flatMap((t, i) =>
      (['INCOMPLETE', 'MISSING', 'OUTDATED'] as const).map(
        (state) =>
          `${alias(i, t.list, state)}: ${t.list}(preview: true, first: 0, filter: { translation: { locale: ${JSON.stringify(locale)}, state: ${state} } }) { totalCount }`,
      ),
    );
  return `{ ${parts.join(' ')} }`;
}

export interface Waiting {
  type: ContentType;
  incomplete: number;
  missing: number;
  outdated: number;
}

/** The answer of `waitingQuery`, per type that has something waiting. */
export function waitingCounts(types: ContentType[], answer: Record<string, { totalCount: number } | undefined>): Waiting[] {
  return types
    .filter((t) => t.translation)
    .map((type, i) => {
      const n = (state: TranslationState) => answer[alias(i, type.list, state)]?.totalCount ?? 0;
      return { type, incomplete: n('INCOMPLETE'), missing: n('MISSING'), outdated: n('OUTDATED') };
    })
    .filter((w) => w.incomplete > 0);
}
