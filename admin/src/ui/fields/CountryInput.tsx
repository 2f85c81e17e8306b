// One country or several, by ISO code, named in the interface language.
import { countries } from '../../state/app';
import { t } from '../../i18n';
import type { Cell } from './cell';

export function CountryInput({ many, cell, id, aria }: { many: boolean; cell: Cell<string | string[]>; id: string; aria: Record<string, unknown> }) {
  const name = (code: string) => countries.value.find((c) => c.code === code)?.name ?? code;
  const options = countries.value.map((c) => (
    <option key={c.code} value={c.code}>
      {c.name ?? c.code} ({c.code})
    </option>
  ));
  if (!many) {
    return (
      <select id={id} value={(cell.get() as string) ?? ''} onChange={(e) => cell.set(e.currentTarget.value)} {...aria}>
        <option value="">—</option>
        {options}
      </select>
    );
  }
  const codes = (cell.get() as string[] | null) ?? [];
  return (
    <div class="chips-input">
      <ul class="chips">
        {codes.map((c) => (
          <li key={c} class="chip">
            {name(c)}
            <button type="button" aria-label={`${t('remove')} ${name(c)}`} onClick={() => cell.set(codes.filter((x) => x !== c))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <select
        id={id}
        value=""
        aria-label={t('add')}
        onChange={(e) => {
          const c = e.currentTarget.value;
          if (c && !codes.includes(c)) cell.set([...codes, c]);
          e.currentTarget.value = '';
        }}
      >
        <option value="">+ {t('add')}</option>
        {options}
      </select>
    </div>
  );
}
