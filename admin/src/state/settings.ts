// Administration (ADMIN role): users, partner API keys, webhooks. Forms come from their input types.
import { signal } from '@preact/signals';
import { ApiError, gql } from '../api/client';
import { inputFields, model, type Field } from '../schema/model';
import { emptyValues, toInput, type Values } from '../schema/values';

export interface UserRow {
  id: string;
  email: string;
  displayName: string | null;
  role: string;
  active: boolean;
  version: number;
}
export interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  origins: string[];
  rateLimitPerMinute: number;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  useCount: number;
  version: number;
}
export interface Delivery {
  id: string;
  event: string;
  status: string;
  attemptCount: number;
  createdAt: string;
}
export interface HookRow {
  id: string;
  url: string;
  events: string[];
  types: string[];
  description: string | null;
  active: boolean;
  version: number;
  deliveries: Delivery[];
}

/** The fields of an input type (e.g. `ApiKeyInput`) read through its object type (`ApiKey`). */
export function formFields(input: string, object: string): Field[] {
  const raw = model().raw;
  const t = raw.get(input);
  return t ? inputFields(raw, t, raw.get(object)) : [];
}

export const users = signal<UserRow[] | null>(null);
export const keys = signal<KeyRow[] | null>(null);
export const hooks = signal<HookRow[] | null>(null);
/** A secret or token the server shows once: shown until dismissed. */
export const shownOnce = signal<{ label: string; value: string } | null>(null);

/**
 * Runs an administrative write that names the version the admin saw. When
 * someone changed the record since (CONFLICT), the list is reloaded so that
 * the admin sees what is there now, and the error is shown.
 */
async function versioned(write: () => Promise<unknown>, reload: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'CONFLICT') await reload();
    throw e;
  }
  await reload();
}

export async function loadUsers(): Promise<void> {
  users.value = (await gql<{ users: UserRow[] }>('{ users { id email displayName role active version } }')).users;
}
export async function invite(email: string, role: string): Promise<void> {
  const d = await gql<{ r: { token: string } }>('mutation($e: String!, $r: Role!) { r: inviteUser(email: $e, role: $r) { token } }', { e: email, r: role });
  shownOnce.value = { label: email, value: d.r.token };
  await loadUsers();
}
export async function setRole(u: UserRow, role: string): Promise<void> {
  await versioned(
    () => gql('mutation($u: ID!, $r: Role!, $v: Int) { updateUserRole(userId: $u, role: $r, version: $v) { id } }', { u: u.id, r: role, v: u.version }),
    loadUsers,
  );
}
export async function setActive(u: UserRow, active: boolean): Promise<void> {
  await versioned(
    () => gql(`mutation($u: ID!, $v: Int) { ${active ? 'reactivateUser' : 'deactivateUser'}(userId: $u, version: $v) { id } }`, { u: u.id, v: u.version }),
    loadUsers,
  );
}

const KEY = 'id name prefix scopes origins rateLimitPerMinute expiresAt revokedAt lastUsedAt useCount version';
export async function loadKeys(): Promise<void> {
  keys.value = (await gql<{ apiKeys: KeyRow[] }>(`{ apiKeys { ${KEY} } }`)).apiKeys;
}
export async function createKey(fields: Field[], v: Values): Promise<void> {
  const d = await gql<{ r: { secret: string; key: { name: string } } }>('mutation($i: ApiKeyInput!) { r: createApiKey(input: $i) { secret key { name } } }', {
    i: toInput(fields, v),
  });
  shownOnce.value = { label: d.r.key.name, value: d.r.secret };
  await loadKeys();
}
export async function rotateKey(k: KeyRow): Promise<void> {
  await versioned(async () => {
    const d = await gql<{ r: { secret: string; key: { name: string } } }>('mutation($id: ID!, $v: Int) { r: rotateApiKey(id: $id, version: $v) { secret key { name } } }', {
      id: k.id,
      v: k.version,
    });
    shownOnce.value = { label: d.r.key.name, value: d.r.secret };
  }, loadKeys);
}
export async function revokeKey(k: KeyRow): Promise<void> {
  await versioned(() => gql('mutation($id: ID!, $v: Int) { revokeApiKey(id: $id, version: $v) { id } }', { id: k.id, v: k.version }), loadKeys);
}

export async function loadHooks(): Promise<void> {
  hooks.value = (
    await gql<{ webhooks: HookRow[] }>('{ webhooks { id url events types description active version deliveries(first: 10) { id event status attemptCount createdAt } } }')
  ).webhooks;
}
export async function createHook(fields: Field[], v: Values): Promise<void> {
  const d = await gql<{ r: { secret: string; url: string } }>('mutation($i: WebhookInput!) { r: createWebhook(input: $i) { secret url } }', { i: toInput(fields, v) });
  shownOnce.value = { label: d.r.url, value: d.r.secret };
  await loadHooks();
}
export async function deleteHook(h: HookRow): Promise<void> {
  await versioned(() => gql('mutation($id: ID!, $v: Int) { deleteWebhook(id: $id, version: $v) }', { id: h.id, v: h.version }), loadHooks);
}
export async function replay(id: string): Promise<void> {
  await gql('mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }', { id });
  await loadHooks();
}

export { emptyValues };
