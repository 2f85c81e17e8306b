// Links to other items, found by search: one, or an ordered list (with a role per locale where the relation has one).
import { useSignal, useSignalEffect } from '@preact/signals';
import { t } from '../../i18n';
import type { Widget } from '../../schema/model';
import { model } from '../../schema/model';
import type { PerLocale, Ref } from '../../schema/values';
import { contentLocale } from '../../state/content';
import { findItems } from '../../state/pick';
import { ItemTools, LocalizedInput, move } from './LocalizedInput';
import type { Cell } from './cell';

type Relation = Extract<Widget, { type: 'relation' }>;

export function RelationInput({ widget, cell, id, label }: { widget: Relation; cell: Cell<Ref | Ref[] | null>; id: string; label?: string }) {
  const value = cell.get();
  const refs = widget.many ? ((value as Ref[] | null) ?? []) : value ? [value as Ref] : [];
  const put = (next: Ref[]) => cell.set(widget.many ? next : (next[0] ?? null));
  return (
    <div class="relation">
      {refs.length > 0 && (
        <ol class="refs">
          {refs.map((r, i) => (
            <li key={r.id} class="ref">
              <span class="ref-label" dir="auto">
                {r.label}
              </span>
              {widget.withRole && (
                <LocalizedInput
                  cell={{ get: () => r.role ?? {}, set: (role: PerLocale) => put(refs.map((x, j) => (j === i ? { ...x, role } : x))) }}
                  aria={{ 'aria-label': `${t('role')} (${r.label})` }}
                />
              )}
              {widget.many ? (
                <ItemTools index={i} count={refs.length} onMove={(to) => put(move(refs, i, to))} onRemove={() => put(refs.filter((_, j) => j !== i))} />
              ) : (
                <button type="button" onClick={() => put([])} aria-label={`${t('remove')} ${r.label}`}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {(widget.many || refs.length === 0) && (
        <Picker id={id} label={label} target={widget.target} exclude={refs.map((r) => r.id)} onPick={(r) => put(widget.many ? [...refs, { ...r, ...(widget.withRole ? { role: {} } : {}) }] : [r])} />
      )}
    </div>
  );
}

/** A search box listing matching items of `target`; choosing one calls onPick. */
export function Picker({ id, label, target, exclude, onPick }: { id: string; label?: string | undefined; target: string; exclude: string[]; onPick: (r: Ref) => void }) {
  const text = useSignal('');
  const open = useSignal(false);
  const results = useSignal<Ref[] | null>(null);
  const type = model().byName.get(target);
  useSignalEffect(() => {
    const q = text.value;
    const loc = contentLocale.value;
    if (!open.value || !type) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      findItems(type, q, loc, ctl.signal).then(
        (r) => (results.value = r),
        () => undefined,
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  });
  const shown = (results.value ?? []).filter((r) => !exclude.includes(r.id));
  return (
    <div class="picker">
      <input
        id={id}
        type="search"
        placeholder={t('searchToAdd')}
        aria-label={label ? `${label}: ${t('searchToAdd')}` : t('searchToAdd')}
        value={text.value}
        onFocus={() => (open.value = true)}
        onInput={(e) => (text.value = e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') open.value = false;
          if (e.key === 'Enter' && shown[0]) {
            e.preventDefault();
            onPick(shown[0]);
            text.value = '';
          }
        }}
        autocomplete="off"
        dir="auto"
      />
      {open.value && results.value && (
        <ul class="picker-results">
          {shown.length === 0 && <li class="muted">{t('noMatch')}</li>}
          {shown.map((r) => (
            <li key={r.id}>
              <button
                type="button"
                dir="auto"
                onClick={() => {
                  onPick(r);
                  text.value = '';
                }}
              >
                {r.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
