// Who is signed in. The one global besides the schema: everything else is per screen.
// The session itself is an HttpOnly cookie (`login(cookie: true)`): no script
// here, or anywhere in the admin, ever sees the session token.
import { signal } from '@preact/signals';
import { gql, onUnauthenticated } from '../api/client';
import { dropAllDrafts } from './drafts';

export type Role = 'ADMIN' | 'EDITOR' | 'AUTHOR' | 'VIEWER';
export interface Viewer {
  id: string;
  email: string;
  role: Role;
}

/** null: nobody; undefined: not known yet. */
export const viewer = signal<Viewer | null | undefined>(undefined);
/** The session ended while working: show the sign-in over the screen, keep its input. */
export const sessionExpired = signal(false);

onUnauthenticated(() => {
  if (viewer.value) sessionExpired.value = true;
});

export async function loadViewer(): Promise<void> {
  try {
    const data = await gql<{ viewer: Viewer | null }>('{ viewer { id email role } }');
    viewer.value = data.viewer;
  } catch {
    viewer.value = null;
  }
}

/** The sign-in mutation: the server answers with the session cookie and `token: null`. */
export const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p, cookie: true) { expiresAt user { id email role } } }';

export async function login(email: string, password: string): Promise<void> {
  const data = await gql<{ login: { user: Viewer } }>(LOGIN, { e: email, p: password });
  const previous = viewer.value;
  viewer.value = data.login.user;
  // Signing in again as someone else must not carry their screen over.
  if (sessionExpired.value && previous && previous.id !== data.login.user.id) location.assign('/admin/');
  sessionExpired.value = false;
}

export async function logout(): Promise<void> {
  try {
    await gql('mutation { logout }');
  } finally {
    dropAllDrafts();
    viewer.value = null;
  }
}

/** What a role may do (mirrors the server's permission table; the server decides). */
export const may = {
  edit: (r: Role | undefined) => r === 'ADMIN' || r === 'EDITOR' || r === 'AUTHOR',
  review: (r: Role | undefined) => r === 'ADMIN' || r === 'EDITOR',
  admin: (r: Role | undefined) => r === 'ADMIN',
  /** Editing an item in a given state: authors not while it is in review or archived. */
  editIn: (r: Role | undefined, state: string | undefined) =>
    r === 'ADMIN' || r === 'EDITOR' || (r === 'AUTHOR' && state !== 'IN_REVIEW' && state !== 'ARCHIVED'),
  /** Deleting: editors any item; authors their drafts never published (the server checks ownership). */
  remove: (r: Role | undefined, state: string | undefined, published: boolean) =>
    r === 'ADMIN' || r === 'EDITOR' || (r === 'AUTHOR' && state === 'DRAFT' && !published),
};
