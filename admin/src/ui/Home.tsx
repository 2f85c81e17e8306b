// What waits for the viewer: the review queue and their drafts.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { gql } from '../api/client';
import { formatDateTime, n, t } from '../i18n';
import { model } from '../schema/model';
import { follow, href } from '../state/router';
import { may, viewer } from '../state/session';
import { StateBadge } from './StateBadge';

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
