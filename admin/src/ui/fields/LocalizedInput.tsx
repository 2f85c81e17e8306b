// Text per locale: the content locale's value, with lang/dir from that locale,
// and the other locales' text beside it for reference.
import { dirOf, locales } from '../../state/app';
import { contentLocale } from '../../state/content';
import { t } from '../../i18n';
import type { PerLocale } from '../../schema/values';
import type { Cell } from './cell';

export function LocalizedInput({ id, cell, aria }: { id?: string; cell: Cell<PerLocale>; aria?: Record<string, unknown> }) {
  const loc = contentLocale.value;
  const v = cell.get() ?? {};
  const others = locales.value.filter((l) => l.code !== loc && v[l.code]);
  return (
    <div class="localized">
      <textarea
        id={id}
        rows={1}
        lang={loc}
        dir={dirOf(loc)}
        value={v[loc] ?? ''}
        onInput={(e) => cell.set({ ...v, [loc]: e.currentTarget.value })}
        {...aria}
      />
      {!v[loc] && others[0] && (
        <p class="source">
          <span class="source-locale">{t('sourceText', { locale: others[0].code })}</span>{' '}
          <span lang={others[0].code} dir={dirOf(others[0].code)}>
            {v[others[0].code]}
          </span>
        </p>
      )}
      <LocaleBadges have={locales.value.filter((l) => v[l.code]).map((l) => l.code)} />
    </div>
  );
}

/** Which locales hold a value. */
export function LocaleBadges({ have }: { have: string[] }) {
  return (
    <span class="badges" aria-label={t('translations')}>
      {locales.value.map((l) => (
        <span key={l.code} class={have.includes(l.code) ? 'badge have' : 'badge missing'} title={have.includes(l.code) ? l.code : t('missingIn', { locale: l.code })}>
          {l.code}
        </span>
      ))}
    </span>
  );
}

/** An ordered list of texts, each per locale (recommendations, outcomes). */
export function LocalizedListInput({ cell }: { cell: Cell<PerLocale[]> }) {
  const items = cell.get() ?? [];
  const put = (next: PerLocale[]) => cell.set(next);
  return (
    <div class="sub-items">
      <ol>
        {items.map((item, i) => (
          <li key={i} class="sub-item">
            <LocalizedInput
              cell={{ get: () => item, set: (x) => put(items.map((y, j) => (j === i ? x : y))) }}
              aria={{ 'aria-label': t('item', { n: i + 1 }) }}
            />
            <ItemTools index={i} count={items.length} onMove={(to) => put(move(items, i, to))} onRemove={() => put(items.filter((_, j) => j !== i))} />
          </li>
        ))}
      </ol>
      <button type="button" class="add" onClick={() => put([...items, {}])}>
        + {t('add')}
      </button>
    </div>
  );
}

export function move<T>(list: T[], from: number, to: number): T[] {
  const next = [...list];
  const [x] = next.splice(from, 1);
  next.splice(to, 0, x as T);
  return next;
}

/** Move up, move down and remove, for one item of an ordered list. */
export function ItemTools({ index, count, onMove, onRemove }: { index: number; count: number; onMove: (to: number) => void; onRemove: () => void }) {
  const n = index + 1;
  return (
    <span class="item-tools">
      <button type="button" disabled={index === 0} onClick={() => onMove(index - 1)} aria-label={`${t('moveUp')} (${n})`} title={t('moveUp')}>
        ↑
      </button>
      <button type="button" disabled={index === count - 1} onClick={() => onMove(index + 1)} aria-label={`${t('moveDown')} (${n})`} title={t('moveDown')}>
        ↓
      </button>
      <button type="button" onClick={onRemove} aria-label={`${t('remove')} (${n})`} title={t('remove')}>
        ×
      </button>
    </span>
  );
}
