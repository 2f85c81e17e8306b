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

/** A search box listing matching items of `target` (a combobox: arrows move, Enter picks, Escape closes). */
export function Picker({ id, label, target, exclude, onPick }: { id: string; label?: string | undefined; target: string; exclude: string[]; onPick: (r: Ref) => void }) {
  const text = useSignal('');
  const open = useSignal(false);
  const active = useSignal(0);
  const results = useSignal<Ref[] | null>(null);
  const type = model().byName.get(target);
  useSignalEffect(() => {
    const q = text.value;
    const loc = contentLocale.value;
    if (!open.value || !type) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      findItems(type, q, loc, ctl.signal).then(
        (r) => {
          results.value = r;
          active.value = 0;
        },
        () => undefined,
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  });
  const shown = (results.value ?? []).filter((r) => !exclude.includes(r.id));
  const listId = `${id}-results`;
  const expanded = open.value && !!results.value;
  const pick = (r: Ref | undefined) => {
    if (!r) return;
    onPick(r);
    text.value = '';
  };
  return (
    <div class="picker" onFocusOut={(e) => !(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null) && (open.value = false)}>
      <input
        id={id}
        type="text"
        role="combobox"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={expanded && shown[active.value] ? `${listId}-${active.value}` : undefined}
        placeholder={t('searchToAdd')}
        aria-label={label ? `${label}: ${t('searchToAdd')}` : t('searchToAdd')}
        value={text.value}
        onFocus={() => (open.value = true)}
        onInput={(e) => {
          text.value = e.currentTarget.value;
          open.value = true;
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') open.value = false;
          else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            open.value = true;
            const n = shown.length;
            if (n) active.value = (active.value + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
          } else if (e.key === 'Enter' && expanded) {
            e.preventDefault();
            pick(shown[active.value]);
          }
        }}
        autocomplete="off"
        dir="auto"
      />
      {expanded && (
        <ul class="picker-results" id={listId} role="listbox" aria-label={label ?? t('searchToAdd')}>
          {shown.length === 0 && (
            <li class="muted" role="option" aria-disabled="true" aria-selected="false">
              {t('noMatch')}
            </li>
          )}
          {shown.map((r, i) => (
            <li
              key={r.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active.value}
              class={i === active.value ? 'active' : undefined}
              dir="auto"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(r)}
            >
              {r.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
