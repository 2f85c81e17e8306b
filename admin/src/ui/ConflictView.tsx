// A save found a newer version: both versions field by field; keep mine, take theirs, or choose per field.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { n, t } from '../i18n';
import type { Value } from '../schema/values';
import { conflictFields, type Form, resolveConflict, save } from '../state/editor';

const texts = (x: unknown): string[] =>
  Array.isArray(x)
    ? x.flatMap(texts)
    : x && typeof x === 'object'
      ? Object.entries(x).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [v] : texts(v)))
      : [];

/** A short text for any form value, to compare two versions. */
export function preview(v: Value | undefined): string {
  if (v == null || v === '') return '—';
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => preview(x as Value)).join(' · ') || '—';
  const o = v as Record<string, unknown>;
  if (typeof o.label === 'string') return o.label;
  if (o.type === 'doc') return texts(o.blocks).join(' ').slice(0, 200);
  return (
    Object.entries(o)
      .filter(([, x]) => x != null && x !== '')
      .map(([k, x]) => `${k}: ${typeof x === 'object' ? preview(x as Value) : String(x)}`)
      .join('; ') || '—'
  );
}

export function ConflictView({ form }: { form: Form }) {
  const c = form.conflict.value;
  const choice = useSignal<Record<string, 'mine' | 'theirs'>>({});
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.scrollIntoView({ block: 'start' }), [c]);
  if (!c) return null;
  const rows = conflictFields(form, c);
  const pick = (name: string, byMe: boolean) => choice.value[name] ?? (byMe ? 'mine' : 'theirs');
  const keep = (all?: 'mine' | 'theirs') =>
    new Set(rows.filter((r) => (all ? all === 'mine' && r.byMe : pick(r.name, r.byMe) === 'mine')).map((r) => r.name));
  return (
    <div class="banner warning conflict" role="alert" ref={box}>
      <p>{t('conflict', { version: c.meta.version })}</p>
      <button
        type="button"
        onClick={async () => {
          resolveConflict(form, keep('mine'));
          await save(form);
        }}
      >
        {t('conflictKeepMine')}
      </button>{' '}
      <button type="button" onClick={() => resolveConflict(form, new Set())}>
        {t('conflictTakeTheirs')}
      </button>
      {rows.length > 0 && (
        <table class="diff">
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col">{t('mine')}</th>
              <th scope="col">{t('theirs')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <th scope="row">{n(r.name)}</th>
                {(['mine', 'theirs'] as const).map((side) => (
                  <td key={side}>
                    <label>
                      <input
                        type="radio"
                        name={`conflict-${r.name}`}
                        checked={pick(r.name, r.byMe) === side}
                        onChange={() => (choice.value = { ...choice.value, [r.name]: side })}
                      />{' '}
                      <span dir="auto">{preview(side === 'mine' ? r.mine : r.theirs)}</span>
                    </label>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > 0 && (
        <button type="button" onClick={() => resolveConflict(form, keep())}>
          {t('conflictMerge')}
        </button>
      )}
    </div>
  );
}
