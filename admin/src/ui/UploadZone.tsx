// Drop files or pick them; each shows its progress, then a link or the server's refusal.
import { useSignal } from '@preact/signals';
import { t } from '../i18n';
import { uploadFiles, uploads } from '../state/media';
import { follow, href } from '../state/router';

export function UploadZone({ typeName, list, onDone }: { typeName: string; list: string; onDone: () => void }) {
  const over = useSignal(false);
  const send = async (files: FileList | null) => {
    if (!files?.length) return;
    await uploadFiles(typeName, [...files]);
    onDone();
  };
  return (
    <section class="upload">
      <label
        class={over.value ? 'drop over' : 'drop'}
        onDragOver={(e) => {
          e.preventDefault();
          over.value = true;
        }}
        onDragLeave={() => (over.value = false)}
        onDrop={(e) => {
          e.preventDefault();
          over.value = false;
          void send(e.dataTransfer?.files ?? null);
        }}
      >
        <span>{t('dropHere')}</span>
        <input type="file" multiple onChange={(e) => void send(e.currentTarget.files)} aria-label={t('upload')} />
      </label>
      {uploads.value.length > 0 && (
        <ul class="uploads" aria-live="polite">
          {uploads.value.map((u) => (
            <li key={u.key}>
              {u.id ? (
                <a href={href(list, u.id)} onClick={follow}>
                  {u.name}
                </a>
              ) : (
                <span>{u.name}</span>
              )}{' '}
              {!u.error && !u.id && <progress max={1} value={u.progress} aria-label={t('uploading', { name: u.name, pct: Math.round(u.progress * 100) })} />}
              {u.error && (
                <span class="field-error" role="alert">
                  {u.error}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
