// What waits for the viewer: the review queue and their drafts.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { gql } from '../api/client';
import { formatDateTime, n, t } from '../i18n';
import { model } from '../schema/model';
import { follow, href } from '../state/router';
import { locales } from '../state/app';
import { may, viewer } from '../state/session';
import { StateBadge } from './StateBadge';
import { choiceQuery, type TranslationState, type Waiting, waitingCounts, waitingQuery } from '../state/translation';

interface Item {
  __typename: string;
  id: string;
  label: string | null;
  workflowState: string;
  updatedAt: string;
}

export function Home() {
  const data = useSignal<{ reviewQueue: Item[]; myDrafts: Item[] } | null>(null);
  useEffect(() => {
    // One inline fragment per content type names each item by its own label field.
    const labels = model()
      .types.map((ct) => `... on ${ct.name} { label: ${ct.label} }`)
      .join(' ');
    const item = `__typename id workflowState updatedAt ${labels}`;
    const review = may.review(viewer.value?.role) ? `reviewQueue { ${item} }` : '';
    gql<{ reviewQueue?: Item[]; myDrafts: Item[] }>(`{ ${review} myDrafts { ${item} } }`).then(
      (d) => (data.value = { reviewQueue: d.reviewQueue ?? [], myDrafts: d.myDrafts }),
      () => undefined,
    );
  }, []);
  return (
    <main aria-labelledby="home-title">
      <h1 id="home-title">{t('home')}</h1>
      {!data.value && <p aria-busy="true">{t('loading')}</p>}
      {data.value && may.review(viewer.value?.role) && <Queue title={t('reviewQueue')} items={data.value.reviewQueue} />}
      {data.value && <Queue title={t('myDrafts')} items={data.value.myDrafts} />}
      {model().types.some((ct) => ct.translation) ? <WaitingForTranslation /> : <ToTranslate />}
    </main>
  );
}

function Queue({ title, items }: { title: string; items: Item[] }) {
  return (
    <section>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p>{t('nothing')}</p>
      ) : (
        <ul class="queue">
          {items.map((i) => {
            const type = model().byName.get(i.__typename);
            return (
              <li key={i.id}>
                <a href={href(type?.list, i.id)} onClick={follow} dir="auto">
                  {i.label || i.id}
                </a>{' '}
                <span class="muted">{n(i.__typename)}</span> <StateBadge state={i.workflowState} /> · {formatDateTime(i.updatedAt)}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/**
 * Per locale other than the source, how many items wait for it (missing or
 * outdated fields, by the server's translation status), per type, with
 * links to the lists filtered that way.
 */
function WaitingForTranslation() {
  const data = useSignal<{ locale: string; rows: Waiting[] }[] | null>(null);
  useEffect(() => {
    const types = model().types;
    const targets = locales.value.filter((l) => !l.isDefault).map((l) => l.code);
    Promise.all(
      targets.map((locale) =>
        gql<Record<string, { totalCount: number }>>(waitingQuery(types, locale)).then((a) => ({ locale, rows: waitingCounts(types, a) })),
      ),
    ).then(
      (d) => (data.value = d),
      () => undefined,
    );
  }, []);
  if (!data.value) return null;
  const link = (w: Waiting, locale: string, state: TranslationState) => href(w.type.list) + choiceQuery({ locale, state });
  return (
    <section class="waiting-translation" aria-labelledby="waiting-title">
      <h2 id="waiting-title">{t('toTranslate')}</h2>
      {data.value.map(({ locale, rows }) => {
        const total = rows.reduce((sum, w) => sum + w.incomplete, 0);
        const code = locale.toUpperCase();
        return (
          <div key={locale} class="waiting-locale" data-locale={locale}>
            <h3>{total ? t('trWaitingIn', { locale: code, n: total }) : t('trNothingWaiting', { locale: code })}</h3>
            {rows.length > 0 && (
              <ul class="queue">
                {rows.map((w) => (
                  <li key={w.type.name}>
                    <a href={link(w, locale, 'INCOMPLETE')} onClick={follow}>
                      {n(w.type.name)}: {w.incomplete}
                    </a>
                    {w.missing > 0 && (
                      <>
                        {' · '}
                        <a href={link(w, locale, 'MISSING')} onClick={follow}>
                          {t('trMissingCount', { n: w.missing })}
                        </a>
                      </>
                    )}
                    {w.outdated > 0 && (
                      <>
                        {' · '}
                        <a href={link(w, locale, 'OUTDATED')} onClick={follow}>
                          {t('trOutdatedCount', { n: w.outdated })}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
    </section>
  );
}

interface Untranslated {
  list: string;
  typeName: string;
  id: string;
  label: string | null;
  missing: string[];
}

/** Per locale, items without text of their own in it (the 100 latest changed per type). */
function ToTranslate() {
  const items = useSignal<Untranslated[] | null>(null);
  useEffect(() => {
    const types = model().types;
    const q = types
      .map((ct) => {
        const order = ct.orderFields.includes('UPDATED_AT') ? ', orderBy: [{ field: UPDATED_AT, direction: DESC }]' : '';
        return `${ct.list}: ${ct.list}(first: 100, preview: true${order}) { nodes { id label: ${ct.label} availableLocales } }`;
      })
      .join(' ');
    gql<Record<string, { nodes: { id: string; label: string | null; availableLocales: string[] }[] }>>(`{ ${q} }`).then(
      (d) =>
        (items.value = types.flatMap((ct) =>
          (d[ct.list]?.nodes ?? []).map((x) => ({
            list: ct.list,
            typeName: ct.name,
            id: x.id,
            label: x.label,
            missing: locales.value.map((l) => l.code).filter((c) => !x.availableLocales.includes(c)),
          })),
        )),
      () => undefined,
    );
  }, []);
  if (!items.value) return null;
  return (
    <section>
      <h2>{t('toTranslate')}</h2>
      {locales.value
        .filter((l) => !l.isDefault)
        .map((l) => {
          const waiting = (items.value ?? []).filter((i) => i.missing.includes(l.code));
          return (
            <details key={l.code}>
              <summary>{t('missingCount', { n: waiting.length, locale: l.code })}</summary>
              <ul class="queue">
                {waiting.slice(0, 50).map((i) => (
                  <li key={i.id}>
                    <a href={href(i.list, i.id)} onClick={follow} dir="auto">
                      {i.label || i.id}
                    </a>{' '}
                    <span class="muted">{n(i.typeName)}</span>
                  </li>
                ))}
              </ul>
            </details>
          );
        })}
    </section>
  );
}
