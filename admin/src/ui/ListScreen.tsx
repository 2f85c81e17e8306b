// A list of one content type: search, filters, sort, pages.
import { useEffect, useMemo } from 'preact/hooks';
import { formatDateTime, n, t } from '../i18n';
import type { ContentType, FilterField } from '../schema/model';
import { countries } from '../state/app';
import { type FilterValue, type ListState, nextPage, openList, PAGE_SIZES, previousPage, restart } from '../state/list';
import { follow, href } from '../state/router';
import { may, viewer } from '../state/session';
import { Picker } from './fields/RelationInput';
import { LocaleBadges } from './fields/LocalizedInput';
import { StateBadge } from './StateBadge';
import { UploadZone } from './UploadZone';
import { thumbnails, uploadMutation } from '../state/media';
import { isFileType } from './MediaPanel';
import { useSignal } from '@preact/signals';
import { TranslationBadges, TranslationFilter } from './Translation';

export function ListScreen({ type }: { type: ContentType }) {
  const s = useMemo(() => openList(type), [type]);
  useEffect(() => s.dispose, [s]);
  return (
    <main class="list-screen" aria-labelledby="list-title">
      <header class="screen-head">
        <h1 id="list-title">{n(type.name)}</h1>
        {type.creatable && may.edit(viewer.value?.role) && (
          <a class="button primary" href={href(type.list, 'new')} onClick={follow}>
            + {t('newItem')}
          </a>
        )}
      </header>
      {uploadMutation(type.name) && may.edit(viewer.value?.role) && <UploadZone typeName={type.name} list={type.list} onDone={() => restart(s)} />}
      <Toolbar s={s} />
      <Filters s={s} />
      <Results s={s} />
    </main>
  );
}

function Toolbar({ s }: { s: ListState }) {
  const o = s.order.value;
  return (
    <div class="toolbar" role="search">
      <label>
        <span class="visually-hidden">{t('search')}</span>
        <input
          type="search"
          placeholder={t('search')}
          value={s.text.value}
          dir="auto"
          onInput={(e) => {
            s.text.value = e.currentTarget.value;
            restart(s);
          }}
        />
      </label>
      <label>
        {t('sortBy')}{' '}
        <select
          value={o.field}
          onChange={(e) => {
            s.order.value = { ...o, field: e.currentTarget.value };
            restart(s);
          }}
        >
          {s.type.orderFields.map((f) => (
            <option key={f} value={f}>
              {n(f.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        aria-label={o.direction === 'ASC' ? t('ascending') : t('descending')}
        title={o.direction === 'ASC' ? t('ascending') : t('descending')}
        onClick={() => {
          s.order.value = { ...o, direction: o.direction === 'ASC' ? 'DESC' : 'ASC' };
          restart(s);
        }}
      >
        {o.direction === 'ASC' ? '↑' : '↓'}
      </button>
    </div>
  );
}

/** Filters the list offers, except links to media (nobody filters a list by its cover image). */
function Filters({ s }: { s: ListState }) {
  const shown = s.type.filters.filter((f) => f.type !== 'text' && !(f.type === 'relation' && f.target === 'MediaAsset'));
  const chosen = s.filters.value;
  const set = (name: string, v: FilterValue | null) => {
    const next = Object.fromEntries(Object.entries(chosen).filter(([k]) => k !== name));
    s.filters.value = v ? { ...next, [name]: v } : next;
    restart(s);
  };
  const active = Object.keys(chosen).length + (s.translation.value ? 1 : 0);
  return (
    <details class="filters" open={active > 0}>
      <summary>
        {t('filters')}
        {active > 0 && ` (${active})`}
      </summary>
      <div class="filter-grid">
        {shown.map((f) => (
          <FilterInput key={f.name} f={f} v={chosen[f.name]} set={(v) => set(f.name, v)} />
        ))}
        {s.type.translation && (
          <TranslationFilter
            value={s.translation.value}
            set={(c) => {
              s.translation.value = c;
              restart(s);
            }}
          />
        )}
      </div>
      {active > 0 && (
        <button type="button" onClick={() => ((s.filters.value = {}), (s.translation.value = null), restart(s))}>
          {t('clearFilters')}
        </button>
      )}
    </details>
  );
}

function FilterInput({ f, v, set }: { f: FilterField; v: FilterValue | undefined; set: (v: FilterValue | null) => void }) {
  const id = `filter-${f.name}`;
  switch (f.type) {
    case 'workflow':
    case 'enum':
      return (
        <div class="field">
          <label for={id}>{n(f.name)}</label>
          <select id={id} value={v?.value ?? ''} onChange={(e) => set(e.currentTarget.value ? { value: e.currentTarget.value } : null)}>
            <option value="">{t('any')}</option>
            {f.values.map((x) => (
              <option key={x} value={x}>
                {n(x)}
              </option>
            ))}
          </select>
        </div>
      );
    case 'country':
      return (
        <div class="field">
          <label for={id}>{n(f.name)}</label>
          <select id={id} value={v?.value ?? ''} onChange={(e) => set(e.currentTarget.value ? { value: e.currentTarget.value } : null)}>
            <option value="">{t('any')}</option>
            {countries.value.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name ?? c.code}
              </option>
            ))}
          </select>
        </div>
      );
    case 'relation':
      return (
        <div class="field">
          <label for={id}>{n(f.name)}</label>
          {v?.ref ? (
            <span class="chip">
              <span dir="auto">{v.ref.label}</span>
              <button type="button" aria-label={`${t('remove')} ${v.ref.label}`} onClick={() => set(null)}>
                ×
              </button>
            </span>
          ) : (
            <Picker id={id} label={n(f.name)} target={f.target} exclude={[]} onPick={(ref) => set({ ref })} />
          )}
        </div>
      );
    case 'date':
    case 'datetime': {
      const put = (k: 'from' | 'to', x: string) => {
        const next = { ...v, [k]: x || undefined };
        set(next.from || next.to ? next : null);
      };
      return (
        <fieldset class="field date-range">
          <legend>{n(f.name)}</legend>
          <label>
            {t('from')} <input type="date" value={v?.from ?? ''} onChange={(e) => put('from', e.currentTarget.value)} />
          </label>
          <label>
            {t('to')} <input type="date" value={v?.to ?? ''} onChange={(e) => put('to', e.currentTarget.value)} />
          </label>
        </fieldset>
      );
    }
    default:
      return null;
  }
}

function Results({ s }: { s: ListState }) {
  const p = s.page.value;
  // Files (media assets) show a small preview of their images.
  const thumbs = useSignal<Record<string, string>>({});
  useEffect(() => {
    if (!p || !isFileType(s.type.name)) return;
    void thumbnails(s.type.one, p.nodes.map((r) => r.id)).then(
      (t) => (thumbs.value = t),
      () => undefined,
    );
  }, [p]);
  // How long a page of rows takes to render, for the measuring script (performance API).
  useEffect(() => {
    if (p && performance.getEntriesByName('relais:list-data').length) performance.measure(`relais:list-render:${p.nodes.length}`, 'relais:list-data');
  }, [p]);
  if (s.error.value) return <p role="alert" class="error">{s.error.value}</p>;
  if (!p) return <p aria-busy="true">{t('loading')}</p>;
  const from = p.totalCount === 0 ? 0 : s.window.value.offset + 1;
  const to = s.window.value.offset + p.nodes.length;
  return (
    <section aria-busy={s.loading.value}>
      <table class="items">
        <thead>
          <tr>
            <th scope="col">{n(s.type.label)}</th>
            <th scope="col">{t('state')}</th>
            <th scope="col">{t('translations')}</th>
            <th scope="col">{t('updated')}</th>
          </tr>
        </thead>
        <tbody>
          {p.nodes.map((r) => (
            <tr key={r.id}>
              <td>
                {thumbs.value[r.id] && <img class="thumb" src={thumbs.value[r.id]} alt="" width={32} height={32} />}
                <a href={href(s.type.list, r.id)} onClick={follow} dir="auto">
                  {r.label || r.slug}
                </a>
              </td>
              <td>
                <StateBadge state={r.workflowState} changed={r.hasUnpublishedChanges} />
              </td>
              <td>
                {r.translationStatus ? <TranslationBadges statuses={r.translationStatus} /> : <LocaleBadges have={r.availableLocales} />}
              </td>
              <td>{formatDateTime(r.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.nodes.length === 0 && <p>{t('nothing')}</p>}
      <nav class="pager" aria-label={n(s.type.name)}>
        <button type="button" disabled={s.window.value.offset === 0} onClick={() => previousPage(s)}>
          {t('previous')}
        </button>
        <span role="status">{t('rangeOf', { from, to, total: p.totalCount })}</span>
        <button type="button" disabled={!p.pageInfo.hasNextPage} onClick={() => nextPage(s)}>
          {t('next')}
        </button>
        <select
          aria-label={t('perPage')}
          value={s.size.value}
          onChange={(e) => {
            s.size.value = Number(e.currentTarget.value);
            restart(s);
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </nav>
    </section>
  );
}
