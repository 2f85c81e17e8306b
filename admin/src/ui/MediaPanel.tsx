// For items that are files (media assets): the file, crops as the API serves them, and replacing the file.
import type { ComponentChildren } from 'preact';
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { gql } from '../api/client';
import { n, t } from '../i18n';
import { model } from '../schema/model';
import { contentLocale } from '../state/content';
import { type Form, load } from '../state/editor';
import { loadUsedBy, replaceFile, replaceMutation, type Use } from '../state/media';
import { follow, href } from '../state/router';
import { ImageContext } from './fields/FocalPointInput';

interface FileInfo {
  kind: string | null;
  url: string | null;
  mimeType: string | null;
  fileName: string | null;
  width: number | null;
  height: number | null;
}

/** Whether the type's object has `url(transform:)`: its items are files. */
export const isFileType = (typeName: string) =>
  !!model()
    .raw.get(typeName)
    ?.fields?.find((f) => f.name === 'url' && f.args?.some((a) => a.name === 'transform'));

/** Whether the type's object tells where an item is used (`usedBy`). */
const hasUsedBy = (typeName: string) => !!model().raw.get(typeName)?.fields?.some((f) => f.name === 'usedBy');

export function MediaPanel({ form, children }: { form: Form; children: ComponentChildren }) {
  const info = useSignal<FileInfo | null>(null);
  const crops = useSignal<{ wide: string; square: string } | null>(null);
  const progress = useSignal<number | null>(null);
  const error = useSignal<string | null>(null);
  const meta = form.meta.value;
  useEffect(() => {
    if (!meta) return;
    const q = (sel: string) => gql<{ item: Record<string, string | number | null> | null }>(`query($id: ID!) { item: ${form.type.one}(id: $id, preview: true) { ${sel} } }`, { id: meta.id });
    void q('kind url mimeType fileName width height').then(async (d) => {
      info.value = d.item as unknown as FileInfo;
      if (info.value?.kind !== 'IMAGE') return;
      const c = await q('wide: url(transform: { width: 320, height: 180, fit: COVER }) square: url(transform: { width: 160, height: 160, fit: COVER })').catch(() => null);
      crops.value = (c?.item as { wide: string; square: string } | null) ?? null;
    });
  }, [meta?.version]);
  const image = info.value?.kind === 'IMAGE' ? info.value.url : null;
  const replace = replaceMutation(form.type.name);
  return (
    <ImageContext.Provider value={image}>
      {info.value && (
        <section class="media-panel">
          <p dir="ltr">
            {info.value.fileName} · {info.value.mimeType}
            {info.value.width ? ` · ${info.value.width}×${info.value.height}` : ''}
          </p>
          {crops.value && (
            <div class="crops">
              <img src={crops.value.wide} alt="" width={320} height={180} />
              <img src={crops.value.square} alt="" width={160} height={160} />
            </div>
          )}
          {meta && hasUsedBy(form.type.name) && <UsedBy form={form} id={meta.id} version={meta.version} />}
          {replace && meta && (
            <label class="field">
              {t('upload')}
              <input
                type="file"
                onChange={async (e) => {
                  const f = e.currentTarget.files?.[0];
                  if (!f) return;
                  error.value = null;
                  try {
                    await replaceFile(form.type.name, meta.id, meta.version, f, (p) => (progress.value = p));
                    await load(form, form.dirty.value);
                  } catch (x) {
                    error.value = (x as Error).message;
                  }
                  progress.value = null;
                }}
              />
              {progress.value != null && <progress max={1} value={progress.value} />}
            </label>
          )}
          {error.value && (
            <p class="field-error" role="alert">
              {error.value}
            </p>
          )}
        </section>
      )}
      {children}
    </ImageContext.Provider>
  );
}

/** The items that use this file (references, galleries, sub-items, rich-text bodies), each a link to its form. */
function UsedBy({ form, id, version }: { form: Form; id: string; version: number }) {
  const uses = useSignal<Use[] | null>(null);
  const failed = useSignal<string | null>(null);
  const locale = contentLocale.value;
  useEffect(() => {
    loadUsedBy(form.type.one, id, locale).then(
      (u) => (uses.value = u),
      (e: Error) => (failed.value = e.message),
    );
  }, [id, version, locale]);
  return (
    <section class="used-by" aria-labelledby="used-by-title" aria-busy={uses.value === null && !failed.value}>
      <h2 id="used-by-title">{t('usedBy')}</h2>
      {failed.value && <p class="field-error">{failed.value}</p>}
      {uses.value?.length === 0 && <p class="muted">{t('notUsed')}</p>}
      {!!uses.value?.length && (
        <ul>
          {uses.value.map((u) => (
            <li key={`${u.id} ${u.field}`} data-type={u.typeName} data-field={u.field}>
              {u.list ? (
                <a href={href(u.list, u.id)} onClick={follow}>
                  <bdi>{u.label || u.id}</bdi>
                </a>
              ) : (
                <bdi>{u.label || u.id}</bdi>
              )}{' '}
              <span class="muted">
                · {n(u.typeName)} · {t('inField', { field: n(u.field) })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
