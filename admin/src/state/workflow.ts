// Workflow transitions, scheduling, comments and revisions of one item.
import { signal } from '@preact/signals';
import { ApiError, gql } from '../api/client';
import { type Form, load } from './editor';

export type Action = 'submitForReview' | 'requestChanges' | 'publish' | 'unpublish' | 'archive' | 'unarchive';

export interface Revision {
  number: number;
  kind: string;
  createdAt: string;
  message: string | null;
  author: { email: string } | null;
}
export interface Comment {
  id: string;
  body: string;
  createdAt: string;
  author: { email: string } | null;
}
export interface Change {
  field: string;
  locale: string | null;
  before: unknown;
  after: unknown;
}

export interface History {
  revisions: Revision[];
  comments: Comment[];
}

/** Runs a transition with the form's version; `at` schedules publish/unpublish. */
export async function transition(form: Form, action: Action, opts: { comment?: string; at?: string } = {}): Promise<string | null> {
  const meta = form.meta.value;
  if (!meta) return null;
  const args = ['id: $id', 'version: $v'];
  const vars: Record<string, unknown> = { id: meta.id, v: meta.version };
  const decl = ['$id: ID!', '$v: Int!'];
  if (opts.comment !== undefined && action !== 'archive' && action !== 'unarchive' && action !== 'unpublish') {
    args.push('comment: $c');
    decl.push(action === 'requestChanges' ? '$c: String!' : '$c: String');
    vars.c = opts.comment;
  }
  if (opts.at && (action === 'publish' || action === 'unpublish')) {
    args.push('at: $at');
    decl.push('$at: DateTime');
    vars.at = opts.at;
  }
  try {
    await gql(`mutation(${decl.join(', ')}) { r: ${action}(${args.join(', ')}) { id version workflowState } }`, vars);
    await load(form, form.dirty.value);
    return null;
  } catch (e) {
    return e instanceof ApiError ? e.message : (e as Error).message;
  }
}

export async function cancelScheduled(form: Form, id: string): Promise<void> {
  await gql('mutation($id: ID!) { cancelScheduledChange(id: $id) { id status } }', { id });
  await load(form, form.dirty.value);
}

export function openHistory(form: Form) {
  const history = signal<History | null>(null);
  const refresh = async () => {
    const id = form.meta.value?.id;
    if (!id) return;
    const d = await gql<{ item: History | null }>(
      `query($id: ID!) { item: ${form.type.one}(id: $id, preview: true) {
        revisions(first: 20) { number kind createdAt message author { email } }
        comments { id body createdAt author { email } } } }`,
      { id },
    );
    history.value = d.item;
  };
  return { history, refresh };
}

export async function addComment(id: string, body: string): Promise<void> {
  await gql('mutation($id: ID!, $b: String!) { addComment(id: $id, body: $b) { id } }', { id, b: body });
}

export async function diff(id: string, from: number, to: number): Promise<Change[]> {
  const d = await gql<{ revisionDiff: Change[] }>('query($id: ID!, $f: Int!, $t: Int!) { revisionDiff(id: $id, from: $f, to: $t) { field locale before after } }', {
    id,
    f: from,
    t: to,
  });
  return d.revisionDiff;
}

export async function restore(form: Form, revision: number): Promise<string | null> {
  const meta = form.meta.value;
  if (!meta) return null;
  try {
    await gql('mutation($id: ID!, $v: Int!, $r: Int!) { restoreRevision(id: $id, version: $v, revision: $r) { id version } }', {
      id: meta.id,
      v: meta.version,
      r: revision,
    });
    await load(form);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A token that shows this draft to a frontend without a login (shown once). */
export async function createPreviewLink(id: string): Promise<{ token: string; expiresAt: string }> {
  const d = await gql<{ r: { token: string; expiresAt: string } }>('mutation($id: ID!) { r: createPreviewLink(id: $id) { token expiresAt } }', { id });
  return d.r;
}

/** Says "I am editing this" now and every four minutes (the lock lasts five); returns the stop. */
export function holdLock(id: string): () => void {
  const take = () => void gql('mutation($id: ID!) { lockItem(id: $id) { expiresAt } }', { id }).catch(() => undefined);
  take();
  const timer = setInterval(take, 4 * 60 * 1000);
  return () => {
    clearInterval(timer);
    void gql('mutation($id: ID!) { unlockItem(id: $id) }', { id }).catch(() => undefined);
  };
}

/** Deletes the item (with its published version), sending the version it was based on. */
export async function deleteItem(form: Form): Promise<string | null> {
  const meta = form.meta.value;
  if (!meta) return null;
  try {
    await gql(`mutation($id: ID!, $v: Int!) { delete${form.type.name}(id: $id, version: $v) { id } }`, { id: meta.id, v: meta.version });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
