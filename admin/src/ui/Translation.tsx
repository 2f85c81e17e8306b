// Translation status in the interface: compact per-locale badges for lists,
// the list filter, and the labels of its states.
import { t } from '../i18n';
import type { Key } from '../i18n/messages';
import { locales } from '../state/app';
import { counts, TRANSLATION_STATES, type TranslationChoice, type TranslationState, type TranslationStatus } from '../state/translation';

const STATE_LABELS: Record<TranslationState, Key> = {
  INCOMPLETE: 'trIncomplete',
  MISSING: 'trMissing',
  OUTDATED: 'trOutdated',
  COMPLETE: 'trComplete',
};
export const stateLabel = (s: TranslationState) => t(STATE_LABELS[s]);

/** What a locale's counts read as: "2 missing, 1 outdated", or "complete". */
export function countsText(missing: number, outdated: number): string {
  const parts = [missing > 0 ? t('trMissingCount', { n: missing }) : '', outdated > 0 ? t('trOutdatedCount', { n: outdated }) : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : t('trUpToDate');
}

/** Per locale: ✓-style when complete, else how many fields are missing (−) and outdated (↻). */
export function TranslationBadges({ statuses }: { statuses: TranslationStatus[] }) {
  return (
    <span class="badges tr-badges">
      {counts(statuses).map((c) => {
        const text = countsText(c.missing, c.outdated);
        const kind = c.complete ? 'have' : c.outdated > 0 ? 'outdated' : 'todo';
        return (
          <span key={c.locale} class={`badge ${kind}`} data-locale={c.locale} title={`${c.locale}: ${text}`}>
            {c.locale}
            {c.missing > 0 && <span aria-hidden="true"> −{c.missing}</span>}
            {c.outdated > 0 && <span aria-hidden="true"> ↻{c.outdated}</span>}
            <span class="visually-hidden">: {text}</span>
          </span>
        );
      })}
    </span>
  );
}

/** Choose a locale (then a state): items whose translation into it is in that state. */
export function TranslationFilter({ value, set }: { value: TranslationChoice | null; set: (c: TranslationChoice | null) => void }) {
  return (
    <fieldset class="field translation-filter">
      <legend>{t('trFilter')}</legend>
      <label>
        {t('trLocale')}{' '}
        <select
          id="filter-translation-locale"
          value={value?.locale ?? ''}
          onChange={(e) => {
            const locale = e.currentTarget.value;
            set(locale ? { locale, state: value?.state ?? 'INCOMPLETE' } : null);
          }}
        >
          <option value="">{t('any')}</option>
          {locales.value.map((l) => (
            <option key={l.code} value={l.code}>
              {l.code.toUpperCase()}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        {t('trState')}{' '}
        <select
          id="filter-translation-state"
          value={value?.state ?? 'INCOMPLETE'}
          disabled={!value}
          onChange={(e) => value && set({ locale: value.locale, state: e.currentTarget.value as TranslationState })}
        >
          {TRANSLATION_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}
