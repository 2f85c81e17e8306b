// The form of one item, generated from its input type.
import { useSignalEffect } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { formatDateTime, n, t } from '../i18n';
import type { ContentType, Field } from '../schema/model';
import type { PerLocale, Value } from '../schema/values';
import { defaultLocale, dirOf, locales } from '../state/app';
import { contentLocale } from '../state/content';
import { discardChanges, type Form, openForm, save } from '../state/editor';
import { ConflictView } from './ConflictView';
import { follow, href, navigate, unsaved } from '../state/router';
import { may, viewer } from '../state/session';
import { holdLock } from '../state/workflow';
import { browserZone, isZone } from '../util/time';
import { AllDayContext, ZoneContext } from './fields/cell';
import { type FieldMark, Fields } from './fields/FieldView';
import { markOf } from '../state/translation';
import { countsText } from './Translation';
import { StateBadge } from './StateBadge';
import { WorkflowPanel } from './WorkflowPanel';
import { isFileType, MediaPanel } from './MediaPanel';

export function EditScreen({ type, id }: { type: ContentType; id: string | null }) {
  const form = useMemo(() => openForm(type, id), [type, id]);
  useSignalEffect(() => {
    unsaved.value = form.dirty.value;
  });
  useEffect(
    () => () => {
      form.dispose();
      unsaved.value = false;
    },
    [form],
  );
  // The soft lock: others see who is editing while the form is open (editors only).
  useEffect(() => (id && may.edit(viewer.value?.role) ? holdLock(id) : undefined), [id]);
  const zone = () => {
    const z = form.values.timeZone?.value;
    return typeof z === 'string' && z && isZone(z) ? z : browserZone();
  };
  if (form.status.value === 'loading') return <main aria-busy="true">{t('loading')}</main>;
  const meta = form.meta.value;
  const editable = may.editIn(viewer.value?.role, meta?.workflowState);
  const submit = async (e: Event) => {
    e.preventDefault();
    const saved = await save(form);
    if (saved && !id) {
      unsaved.value = false;
      navigate(href(type.list, saved));
    }
  };
  return (
    <main class="edit-screen" aria-labelledby="edit-title">
      <header class="screen-head">
        <p class="crumbs">
          <a href={href(type.list)} onClick={follow}>
            {n(type.name)}
          </a>
        </p>
        <Title form={form} />
        {meta && (
          <p class="meta">
            <StateBadge state={meta.workflowState} changed={meta.hasUnpublishedChanges} /> · {t('version')} {meta.version} · {t('updated')}{' '}
            {formatDateTime(meta.updatedAt)}
          </p>
        )}
      </header>
      <LocaleTabs form={form} />
      <Banners form={form} />
      <div class="edit-layout">
        <form class="item-form" onSubmit={submit} noValidate>
          <fieldset class="plain" disabled={!editable}>
            <ZoneContext.Provider value={zone}>
              <AllDayContext.Provider value={() => form.values.allDay?.value === true}>
                {isFileType(type.name) ? (
                  <MediaPanel form={form}>
                    <Fields fields={type.fields} cell={(f: Field) => cellOf(form, f)} errors={form.errors.value} mark={(f) => markFor(form, f)} />
                  </MediaPanel>
                ) : (
                  <Fields fields={type.fields} cell={(f: Field) => cellOf(form, f)} errors={form.errors.value} mark={(f) => markFor(form, f)} />
                )}
              </AllDayContext.Provider>
            </ZoneContext.Provider>
          </fieldset>
          {editable && (
            <div class="form-actions">
              <button type="submit" class="primary" disabled={form.status.value === 'saving' || (!!id && !form.dirty.value)}>
                {form.status.value === 'saving' ? t('saving') : id ? t('save') : t('create')}
              </button>
              {form.dirty.value && <span class="unsaved">{t('unsaved')}</span>}
            </div>
          )}
        </form>
        {meta && <WorkflowPanel form={form} />}
      </div>
    </main>
  );
}

const cellOf = (form: Form, f: Field) => ({
  get: () => form.values[f.name]?.value ?? null,
  set: (v: Value) => {
    const s = form.values[f.name];
    if (s) s.value = v;
  },
});

function Title({ form }: { form: Form }) {
  const loc = contentLocale.value;
  const v = form.values[form.type.label]?.value;
  const text = typeof v === 'string' ? v : ((v as PerLocale | null)?.[loc] ?? Object.values((v as PerLocale | null) ?? {})[0]);
  return (
    <h1 id="edit-title">
      {text ? (
        <bdi lang={loc} dir={dirOf(loc)}>
          {text}
        </bdi>
      ) : (
        `${t('newItem')} — ${n(form.type.name)}`
      )}
    </h1>
  );
}

/** How a field stands in the content locale, by the server's status of the saved copy. */
function markFor(form: Form, f: Field): FieldMark | null {
  const locale = contentLocale.value;
  const state = markOf(form.meta.value?.translationStatus, locale, f.name);
  return state ? { state, locale, source: defaultLocale() } : null;
}

/**
 * Per locale, the fields missing and outdated: the server's translation
 * status of the saved copy when it has one, else what the form's values lack.
 */
function statusIn(form: Form, loc: string): { missing: string[]; outdated: string[] } {
  const server = form.meta.value?.translationStatus?.find((s) => s.locale === loc);
  return server ? { missing: server.missing, outdated: server.outdated } : { missing: missingIn(form, loc), outdated: [] };
}

/** Localised fields that have text in some locale but not in `loc` (what waits for translation). */
function missingIn(form: Form, loc: string): string[] {
  return form.type.fields
    .filter((f) => f.widget.type === 'localized' || f.widget.type === 'richText')
    .filter((f) => {
      const v = (form.values[f.name]?.value ?? {}) as Record<string, unknown>;
      return !v[loc] && Object.values(v).some(Boolean);
    })
    .map((f) => f.name);
}

/** The content locale: which language the localised fields are being written in, and what each lacks. */
function LocaleTabs({ form }: { form: Form }) {
  return (
    <div class="locale-tabs" role="group" aria-label={t('contentLanguage')}>
      <span>{t('contentLanguage')}:</span>
      {locales.value.map((l) => {
        const { missing, outdated } = statusIn(form, l.code);
        const title = [
          missing.length ? `${t('missingIn', { locale: l.code })}: ${missing.map(n).join(', ')}` : '',
          outdated.length ? `${t('trOutdated')}: ${outdated.map(n).join(', ')}` : '',
        ].filter(Boolean);
        return (
          <button
            key={l.code}
            type="button"
            data-locale={l.code}
            aria-pressed={contentLocale.value === l.code}
            onClick={() => (contentLocale.value = l.code)}
            title={title.length ? title.join(' · ') : undefined}
          >
            {l.code.toUpperCase()}
            {missing.length > 0 && (
              <span class="missing-count" aria-hidden="true">
                {' '}
                ({missing.length})
              </span>
            )}
            {outdated.length > 0 && (
              <span class="outdated-count" aria-hidden="true">
                {' '}
                ↻{outdated.length}
              </span>
            )}
            {(missing.length > 0 || outdated.length > 0) && <span class="visually-hidden">: {countsText(missing.length, outdated.length)}</span>}
          </button>
        );
      })}
    </div>
  );
}

function Banners({ form }: { form: Form }) {
  const msg = form.message.value;
  return (
    <div class="banners" aria-live="polite">
      <ConflictView form={form} />
      {form.restored.value && (
        <div class="banner warning">
          <p>{t('restoredDraft', { at: formatDateTime(form.restored.value.savedAt) })}</p>
          <button type="button" onClick={() => discardChanges(form)}>
            {t('discardChanges')}
          </button>
        </div>
      )}
      {msg?.kind === 'ok' && <p class="banner ok">{t('saved')}</p>}
      {msg?.kind === 'error' && msg.text && (
        <p class="banner error" role="alert">
          {msg.text === 'NOT_FOUND' ? t('notFound') : t('errorGeneric', { message: msg.text })}
        </p>
      )}
    </div>
  );
}
