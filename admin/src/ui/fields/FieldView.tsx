// One form field: its label, its widget (chosen by the schema), its error.
import { useMemo } from 'preact/hooks';
import { n, t, uiLang } from '../../i18n';
import type { Field } from '../../schema/model';
import type { Doc, PerLocale, Ref, Values } from '../../schema/values';
import { CountryInput } from './CountryInput';
import { DateTimeInput } from './DateTimeInput';
import { FocalPointInput } from './FocalPointInput';
import { GroupInput } from './GroupInput';
import { LocalizedInput, LocalizedListInput } from './LocalizedInput';
import { RelationInput } from './RelationInput';
import { RichTextInput } from './RichTextInput';
import { type Cell, uid } from './cell';

/** How a top-level localised field stands in the content locale (from the server's translation status). */
export interface FieldMark {
  state: 'missing' | 'outdated';
  locale: string;
  /** The locale translations follow. */
  source: string;
}

interface Props {
  field: Field;
  cell: Cell;
  error?: string | undefined;
  mark?: FieldMark | null | undefined;
}

export function FieldView({ field, cell, error, mark }: Props) {
  const id = useMemo(() => uid(field.name), [field.name]);
  const errId = `${id}-err`;
  const aria = { 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? errId : undefined, 'aria-required': field.required || undefined };
  const grouped = ['group', 'localizedList', 'relation', 'richText', 'country', 'enumList'].includes(field.widget.type) && (field.widget.type !== 'country' || field.widget.many);
  const label = (
    <>
      {n(field.name)}
      {field.required && <span aria-hidden="true"> *</span>}
    </>
  );
  const hint = uiLang.value === 'en' && field.description ? <small class="hint">{field.description}</small> : null;
  const body = <Widget field={field} cell={cell} id={id} aria={aria} />;
  const note = mark ? (
    <p class={`translation-note ${mark.state}`}>
      {mark.state === 'missing'
        ? t('trMissingNote', { locale: mark.locale.toUpperCase() })
        : t('trOutdatedNote', { locale: mark.locale.toUpperCase(), source: mark.source.toUpperCase() })}
    </p>
  ) : null;
  const trAttr = { 'data-translation': mark?.state };
  const err = error ? (
    <p class="field-error" id={errId} role="alert">
      {error}
    </p>
  ) : null;
  if (grouped) {
    return (
      // No aria-required on a fieldset (role group does not take it): the legend's mark says it.
      <fieldset class={`field field-${field.widget.type}`} data-field={field.name} {...trAttr} aria-invalid={aria['aria-invalid']} aria-describedby={aria['aria-describedby']}>
        <legend>{label}</legend>
        {hint}
        {note}
        {body}
        {err}
      </fieldset>
    );
  }
  return (
    <div class={`field field-${field.widget.type}`} data-field={field.name} {...trAttr}>
      <label for={id}>{label}</label>
      {hint}
      {note}
      {body}
      {err}
    </div>
  );
}

type Aria = Record<string, unknown>;

function Widget({ field, cell, id, aria }: { field: Field; cell: Cell; id: string; aria: Aria }) {
  const w = field.widget;
  const str = (cell.get() as string | null) ?? '';
  const setStr = (e: Event) => cell.set((e.currentTarget as HTMLInputElement).value);
  switch (w.type) {
    case 'localized':
      return <LocalizedInput id={id} cell={cell as Cell<PerLocale>} aria={aria} />;
    case 'localizedList':
      return <LocalizedListInput cell={cell as Cell<PerLocale[]>} />;
    case 'richText':
      return <RichTextInput cell={cell as Cell<Record<string, Doc | null>>} label={n(field.name)} />;
    case 'relation':
      return <RelationInput widget={w} cell={cell as Cell<Ref | Ref[] | null>} id={id} label={n(field.name)} />;
    case 'country':
      return <CountryInput many={w.many} cell={cell as Cell<string | string[]>} id={id} aria={aria} />;
    case 'group':
      if (w.typeName === 'FocalPointInput') return <FocalPointInput cell={cell as Cell<Values | Values[] | null>} />;
      return <GroupInput widget={w} cell={cell as Cell<Values | Values[] | null>} />;
    case 'datetime':
      return <DateTimeInput id={id} cell={cell as Cell<string>} aria={aria} end={/^end|End/.test(field.name)} />;
    case 'enum':
      return (
        <select id={id} value={str} onChange={setStr} {...aria}>
          <option value="">—</option>
          {w.values.map((v) => (
            <option value={v} key={v}>
              {n(v)}
            </option>
          ))}
        </select>
      );
    case 'enumList': {
      const chosen = (cell.get() as string[] | null) ?? [];
      return (
        <span class="checks">
          {w.values.map((v) => (
            <label key={v}>
              <input
                type="checkbox"
                checked={chosen.includes(v)}
                onChange={(e) => cell.set(e.currentTarget.checked ? [...chosen, v] : chosen.filter((x) => x !== v))}
              />{' '}
              {n(v)}
            </label>
          ))}
        </span>
      );
    }
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          checked={cell.get() === true}
          onChange={(e) => cell.set(e.currentTarget.checked)}
          {...aria}
        />
      );
    case 'int':
    case 'float':
      return <input id={id} type="number" step={w.type === 'int' ? 1 : 'any'} value={str} onInput={setStr} {...aria} />;
    case 'date':
      return (
        <input
          id={id}
          type="text"
          inputMode="numeric"
          pattern="\d{4}(-\d{2}(-\d{2})?)?"
          placeholder="2024 · 2016-05 · 2018-04-10"
          value={str}
          onInput={setStr}
          {...aria}
        />
      );
    case 'textList':
      return (
        <textarea
          id={id}
          rows={3}
          value={((cell.get() as string[] | null) ?? []).join('\n')}
          onInput={(e) => cell.set(e.currentTarget.value.split('\n'))}
          {...aria}
        />
      );
    case 'json':
      return <textarea id={id} class="code" rows={6} dir="ltr" value={str} onInput={setStr} {...aria} />;
    default:
      return <input id={id} type="text" value={str} onInput={setStr} dir="auto" {...aria} />;
  }
}

/** A form's fields, each bound to its cell. */
export function Fields({
  fields,
  cell,
  errors,
  mark,
}: {
  fields: Field[];
  cell: (f: Field) => Cell;
  errors?: Record<string, string>;
  mark?: (f: Field) => FieldMark | null;
}) {
  return (
    <>
      {fields.map((f) => (
        <FieldView key={f.name} field={f} cell={cell(f)} error={errors?.[f.name]} mark={mark?.(f)} />
      ))}
    </>
  );
}

