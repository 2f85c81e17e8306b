// Administration screens (ADMIN): users, partner API keys, webhooks.
import { signal, useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { ApiError } from '../api/client';
import { formatDateTime, n, t } from '../i18n';
import type { Field } from '../schema/model';
import type { Value, Values } from '../schema/values';
import * as s from '../state/settings';
import { Fields } from './fields/FieldView';

export const SETTINGS = ['users', 'apiKeys', 'webhooks'] as const;
export type SettingsPage = (typeof SETTINGS)[number];

const error = signal<string | null>(null);
/** Writes and reads under way (the screen says it is busy until the list is read again). */
const pending = signal(0);
const attempt = async (f: () => Promise<void>) => {
  error.value = null;
  pending.value++;
  try {
    await f();
  } catch (e) {
    error.value = e instanceof ApiError ? e.message : String(e);
  } finally {
    pending.value--;
  }
};

export function Settings({ page }: { page: SettingsPage }) {
  return (
    <main aria-labelledby="settings-title" aria-busy={pending.value > 0}>
      <h1 id="settings-title">{t(page)}</h1>
      {error.value && (
        <p class="banner error" role="alert">
          {error.value}
        </p>
      )}
      <ShownOnce />
      {page === 'users' && <Users />}
      {page === 'apiKeys' && <Keys />}
      {page === 'webhooks' && <Hooks />}
    </main>
  );
}

function ShownOnce() {
  const v = s.shownOnce.value;
  if (!v) return null;
  return (
    <div class="banner warning" role="status">
      <p>{t('shownOnce', { what: v.label })}</p>
      <input readOnly dir="ltr" value={v.value} aria-label={v.label} onFocus={(e) => e.currentTarget.select()} class="secret" />{' '}
      <button type="button" onClick={() => void navigator.clipboard?.writeText(v.value)}>
        {t('copy')}
      </button>{' '}
      <button type="button" onClick={() => (s.shownOnce.value = null)}>
        {t('cancel')}
      </button>
    </div>
  );
}

const ROLES = ['ADMIN', 'EDITOR', 'AUTHOR', 'VIEWER'];

function Users() {
  useEffect(() => void attempt(s.loadUsers), []);
  const email = useSignal('');
  const role = useSignal('AUTHOR');
  return (
    <>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(() => s.invite(email.value, role.value)).then(() => (email.value = ''));
        }}
      >
        <label>
          {t('email')} <input type="email" required dir="ltr" value={email.value} onInput={(e) => (email.value = e.currentTarget.value)} />
        </label>{' '}
        <label>
          {t('role')}{' '}
          <select value={role.value} onChange={(e) => (role.value = e.currentTarget.value)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {n(r)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" class="primary">
          {t('invite')}
        </button>
      </form>
      <table class="items">
        <thead>
          <tr>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('role')}</th>
            <th scope="col">{t('state')}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {s.users.value?.map((u) => (
            <tr key={u.id} class={u.active ? undefined : 'inactive'} data-email={u.email}>
              <td>
                <bdi dir="ltr">{u.email}</bdi>
                {u.displayName && <span class="muted"> · {u.displayName}</span>}
              </td>
              <td>
                <select aria-label={`${t('role')} ${u.email}`} value={u.role} onChange={(e) => void attempt(() => s.setRole(u, e.currentTarget.value))}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {n(r)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <span class={`state ${u.active ? 'state-published' : 'state-inactive'}`}>{u.active ? t('active') : t('inactive')}</span>
              </td>
              <td>
                {u.active ? (
                  <button type="button" onClick={() => void attempt(() => s.setActive(u, false))}>
                    {t('deactivate')}
                  </button>
                ) : (
                  <button type="button" onClick={() => void attempt(() => s.setActive(u, true))}>
                    {t('reactivate')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A form generated from an input type, with its own values. */
function CreateForm({ fields, onCreate }: { fields: Field[]; onCreate: (v: Values) => Promise<void> }) {
  const values = useMemo(() => Object.fromEntries(fields.map((f) => [f.name, signal<Value>(s.emptyValues(fields)[f.name] ?? null)])), [fields]);
  const snapshot = () => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value]));
  return (
    <details class="filters">
      <summary>+ {t('newItem')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(() => onCreate(snapshot()));
        }}
      >
        <Fields
          fields={fields}
          cell={(f) => ({
            get: () => values[f.name]?.value ?? null,
            set: (v) => {
              const x = values[f.name];
              if (x) x.value = v;
            },
          })}
        />
        <button type="submit" class="primary">
          {t('create')}
        </button>
      </form>
    </details>
  );
}

function Keys() {
  useEffect(() => void attempt(s.loadKeys), []);
  const fields = useMemo(() => s.formFields('ApiKeyInput', 'ApiKey'), []);
  return (
    <>
      <CreateForm fields={fields} onCreate={(v) => s.createKey(fields, v)} />
      <table class="items">
        <thead>
          <tr>
            <th scope="col">{n('name')}</th>
            <th scope="col">{n('scopes')}</th>
            <th scope="col">{n('origins')}</th>
            <th scope="col">{t('usage')}</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {s.keys.value?.map((k) => (
            <tr key={k.id}>
              <td>
                {k.name} <code dir="ltr">{k.prefix}…</code>
                {k.revokedAt && <span class="state state-archived">{t('revoked')}</span>}
              </td>
              <td>{k.scopes.join(', ')}</td>
              <td dir="ltr">{k.origins.join(' ')}</td>
              <td>
                {k.useCount} · {formatDateTime(k.lastUsedAt)}
              </td>
              <td>
                {!k.revokedAt && (
                  <>
                    <button type="button" onClick={() => void attempt(() => s.rotateKey(k))}>
                      {t('rotate')}
                    </button>{' '}
                    <button type="button" onClick={() => confirm(`${t('revoke')} ${k.name}?`) && void attempt(() => s.revokeKey(k))}>
                      {t('revoke')}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Hooks() {
  useEffect(() => void attempt(s.loadHooks), []);
  const fields = useMemo(() => s.formFields('WebhookInput', 'Webhook'), []);
  return (
    <>
      <CreateForm fields={fields} onCreate={(v) => s.createHook(fields, v)} />
      {s.hooks.value?.map((h) => (
        <section key={h.id} class="item-form hook">
          <h2 dir="ltr">{h.url}</h2>
          <p>
            {h.description} · {h.events.join(', ') || '*'} · {h.active ? t('yes') : t('no')}{' '}
            <button type="button" onClick={() => confirm(`${t('remove')} ${h.url}?`) && void attempt(() => s.deleteHook(h))}>
              {t('remove')}
            </button>
          </p>
          <table class="items">
            <tbody>
              {h.deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.event}</td>
                  <td>{d.status}</td>
                  <td>{d.attemptCount}</td>
                  <td>{formatDateTime(d.createdAt)}</td>
                  <td>
                    <button type="button" onClick={() => void attempt(() => s.replay(d.id))}>
                      {t('replay')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
