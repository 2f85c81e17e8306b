// Beside the form: transitions the viewer's role allows, scheduled changes, comments, revisions.
import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { formatDateTime, n, t } from '../i18n';
import type { Form } from '../state/editor';
import { may, viewer } from '../state/session';
import { href, navigate, unsaved } from '../state/router';
import { type Action, addComment, createPreviewLink, deleteItem, cancelScheduled, type Change, diff, openHistory, restore, transition } from '../state/workflow';
import { browserZone, fromLocalInput, offsetText, zoneOffset } from '../util/time';

/** Which transitions the state allows, and who may run them (the server decides in the end). */
function actionsFor(state: string, role: ReturnType<typeof viewer.peek>): Action[] {
  const r = role?.role;
  const out: Action[] = [];
  if (state === 'DRAFT' && may.edit(r)) out.push('submitForReview');
  if (state === 'IN_REVIEW' && may.review(r)) out.push('requestChanges');
  if ((state === 'DRAFT' || state === 'IN_REVIEW') && may.review(r)) out.push('publish');
  if (state === 'PUBLISHED' && may.review(r)) out.push('unpublish');
  if (state !== 'ARCHIVED' && may.review(r)) out.push('archive');
  if (state === 'ARCHIVED' && may.review(r)) out.push('unarchive');
  return out;
}

export function WorkflowPanel({ form }: { form: Form }) {
  const meta = form.meta.value;
  const comment = useSignal('');
  const at = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const { history, refresh } = useMemo(() => openHistory(form), [form]);
  useEffect(() => void refresh().catch(() => undefined), [meta?.version]);
  if (!meta) return null;
  const actions = actionsFor(meta.workflowState, viewer.value);
  const zone = browserZone();
  const run = async (a: Action) => {
    busy.value = true;
    const at_ = a === 'publish' && at.value ? fromLocalInput(at.value, zone) : undefined;
    error.value = await transition(form, a, { comment: comment.value || (a === 'requestChanges' ? '' : undefined), ...(at_ ? { at: at_ } : {}) } as { comment?: string; at?: string });
    busy.value = false;
    if (!error.value) {
      comment.value = '';
      at.value = '';
    }
  };
  return (
    <aside class="side-panel" aria-label={t('workflow')}>
      <section>
        <h2>{t('workflow')}</h2>
        {meta.editLock?.user && meta.editLock.user.id !== viewer.value?.id && <p class="banner warning">{t('editing', { who: meta.editLock.user.email })}</p>}
        {form.dirty.value && <p class="muted">{t('unsaved')}</p>}
        {actions.length > 0 && (
          <>
            <label class="field">
              {t('comment')}
              <textarea rows={2} value={comment.value} onInput={(e) => (comment.value = e.currentTarget.value)} dir="auto" />
            </label>
            {actions.includes('publish') && (
              <label class="field">
                {t('publishAt')}
                <input type="datetime-local" step={1} value={at.value} onInput={(e) => (at.value = e.currentTarget.value)} />
                <small dir="ltr">
                  {zone} (UTC{offsetText(zoneOffset(zone, Date.now()))})
                </small>
              </label>
            )}
            <div class="actions">
              {actions.map((a) => (
                <button
                  key={a}
                  type="button"
                  data-action={a}
                  disabled={busy.value || form.dirty.value || (a === 'requestChanges' && !comment.value.trim())}
                  onClick={() => void run(a)}
                >
                  {a === 'publish' && at.value ? t('schedule') : t(a)}
                </button>
              ))}
            </div>
          </>
        )}
        {error.value && <p class="field-error" role="alert">{error.value}</p>}
        {may.remove(viewer.value?.role, meta.workflowState, !!meta.publishedAt) && (
          <p>
            <button
              type="button"
              class="danger"
              onClick={async () => {
                if (!confirm(t('deleteConfirm'))) return;
                error.value = await deleteItem(form);
                if (!error.value) {
                  unsaved.value = false;
                  navigate(href(form.type.list));
                }
              }}
            >
              {t('delete')}
            </button>
          </p>
        )}
        {meta.scheduledChanges.filter((c) => c.status === 'pending').map((c) => (
          <p key={c.id} class="scheduled">
            {t('scheduled', { action: t(c.action === 'unpublish' ? 'unpublish' : 'publish'), at: formatDateTime(c.at) })}{' '}
            {may.review(viewer.value?.role) && (
              <button type="button" onClick={() => void cancelScheduled(form, c.id)}>
                {t('cancel')}
              </button>
            )}
          </p>
        ))}
      </section>
      <PreviewLink itemId={meta.id} />
      <Comments itemId={meta.id} comments={history.value?.comments ?? []} refresh={refresh} />
      <Revisions form={form} revisions={history.value?.revisions ?? []} />
    </aside>
  );
}

function Comments({ itemId, comments, refresh }: { itemId: string; comments: { id: string; body: string; createdAt: string; author: { email: string } | null }[]; refresh: () => Promise<void> }) {
  const text = useSignal('');
  return (
    <section>
      <h2>{t('comments')}</h2>
      <ul class="comments">
        {comments.map((c) => (
          <li key={c.id}>
            <p dir="auto">{c.body}</p>
            <small>
              {c.author?.email} · {formatDateTime(c.createdAt)}
            </small>
          </li>
        ))}
      </ul>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!text.value.trim()) return;
          await addComment(itemId, text.value);
          text.value = '';
          await refresh();
        }}
      >
        <label class="field">
          <span class="visually-hidden">{t('addComment')}</span>
          <textarea rows={2} value={text.value} onInput={(e) => (text.value = e.currentTarget.value)} dir="auto" placeholder={t('addComment')} />
        </label>
        <button type="submit">{t('addComment')}</button>
      </form>
    </section>
  );
}

function Revisions({ form, revisions }: { form: Form; revisions: { number: number; kind: string; createdAt: string; message: string | null; author: { email: string } | null }[] }) {
  const changes = useSignal<{ from: number; list: Change[] } | null>(null);
  const error = useSignal<string | null>(null);
  const latest = revisions[0]?.number;
  const canRestore = may.edit(viewer.value?.role);
  return (
    <section>
      <h2>{t('revisions')}</h2>
      <ol class="revisions">
        {revisions.map((r) => (
          <li key={r.number}>
            <span>
              #{r.number} {n(r.kind)} · {formatDateTime(r.createdAt)} · <bdi>{r.author?.email}</bdi>
            </span>
            {r.message && (
              <q class="message" dir="auto">
                {r.message}
              </q>
            )}
            {latest !== undefined && r.number !== latest && (
              <span class="revision-tools">
                <button type="button" onClick={async () => (changes.value = { from: r.number, list: await diff(form.meta.value?.id ?? '', r.number, latest) })}>
                  {t('compare')}
                </button>
                {canRestore && (
                  <button type="button" disabled={form.dirty.value} onClick={async () => (error.value = await restore(form, r.number))}>
                    {t('restore')}
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ol>
      {error.value && <p role="alert" class="field-error">{error.value}</p>}
      {changes.value && (
        <table class="diff">
          <caption>
            #{changes.value.from} → #{latest}
          </caption>
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col">{t('before')}</th>
              <th scope="col">{t('after')}</th>
            </tr>
          </thead>
          <tbody>
            {changes.value.list.map((c, i) => (
              <tr key={i}>
                <th scope="row">
                  {n(c.field)}
                  {c.locale && ` (${c.locale})`}
                </th>
                <td dir="auto">{show(c.before)}</td>
                <td dir="auto">{show(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const show = (v: unknown) => (v == null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function PreviewLink({ itemId }: { itemId: string }) {
  const link = useSignal<{ token: string; expiresAt: string } | null>(null);
  if (!may.review(viewer.value?.role) && !may.edit(viewer.value?.role)) return null;
  return (
    <section>
      <h2>{t('previewLink')}</h2>
      {link.value ? (
        <>
          <input readOnly dir="ltr" value={link.value.token} aria-label={t('previewLink')} onFocus={(e) => e.currentTarget.select()} />
          <small>{t('previewHelp', { at: formatDateTime(link.value.expiresAt) })}</small>{' '}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(link.value?.token ?? '')}>
            {t('copy')}
          </button>
        </>
      ) : (
        <button type="button" onClick={async () => (link.value = await createPreviewLink(itemId))}>
          {t('previewLink')}
        </button>
      )}
    </section>
  );
}
