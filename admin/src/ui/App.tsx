// The frame: navigation, the screen the route names, and sign-in when needed.
import { LANGS, n, t, uiLang, type Lang } from '../i18n';
import { bootError, loadCountries, schema } from '../state/app';
import { follow, href, route } from '../state/router';
import { logout, may, sessionExpired, viewer } from '../state/session';
import { Settings, SETTINGS, type SettingsPage } from './Settings';
import { EditScreen } from './EditScreen';
import { Home } from './Home';
import { ListScreen } from './ListScreen';
import { Login } from './Login';
import { useSignalEffect } from '@preact/signals';

const LANG_NAMES: Record<Lang, string> = { fr: 'Français', en: 'English', ar: 'العربية' };

export function App() {
  useSignalEffect(() => {
    if (viewer.value) void loadCountries(uiLang.value).catch(() => undefined);
  });
  if (bootError.value)
    return (
      <div class="centered">
        <p role="alert" class="banner error">
          {t('unreachable')} ({bootError.value})
        </p>
        <button type="button" onClick={() => location.reload()}>
          {t('retry')}
        </button>
      </div>
    );
  if (!schema.value || viewer.value === undefined) return <p aria-busy="true">{t('loading')}</p>;
  if (!viewer.value)
    return (
      <div class="centered">
        <LangPicker />
        <Login />
      </div>
    );
  return (
    <>
      <a class="skip" href="#screen">
        {t('home')}
      </a>
      <Nav />
      <div id="screen" class="screen" key={`${route.value.list}/${route.value.id}`}>
        <Screen />
      </div>
      {sessionExpired.value && (
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="login-title">
          <Login expired />
        </div>
      )}
    </>
  );
}

function Screen() {
  const { list, id } = route.value;
  const m = schema.value;
  if (!list || !m) return <Home />;
  if ((SETTINGS as readonly string[]).includes(list) && !m.byList.has(list) && may.admin(viewer.value?.role)) return <Settings page={list as SettingsPage} />;
  const type = m.byList.get(list);
  if (!type) return <p role="alert">{t('notFound')}</p>;
  if (id) return <EditScreen type={type} id={id === 'new' ? null : id} key={id} />;
  return <ListScreen type={type} key={list} />;
}

function Nav() {
  const m = schema.value;
  const current = route.value.list;
  return (
    <header class="top">
      <a class="brand" href={href()} onClick={follow}>
        {t('appName')}
      </a>
      <nav aria-label={t('home')}>
        <ul>
          {m?.types.map((ct) => (
            <li key={ct.list}>
              <a href={href(ct.list)} onClick={follow} aria-current={current === ct.list ? 'page' : undefined}>
                {n(ct.name)}
              </a>
            </li>
          ))}
          {may.admin(viewer.value?.role) &&
            SETTINGS.map((p) => (
              <li key={p} class="settings-link">
                <a href={href(p)} onClick={follow} aria-current={current === p ? 'page' : undefined}>
                  {t(p)}
                </a>
              </li>
            ))}
        </ul>
      </nav>
      <div class="who">
        <LangPicker />
        <span class="muted">
          <bdi dir="ltr">{viewer.value?.email}</bdi> ({n(viewer.value?.role ?? '')})
        </span>
        <button type="button" onClick={() => void logout()}>
          {t('signOut')}
        </button>
      </div>
    </header>
  );
}

function LangPicker() {
  return (
    <label class="lang-picker">
      <span class="visually-hidden">{t('interfaceLanguage')}</span>
      <select
        value={uiLang.value}
        onChange={(e) => {
          uiLang.value = e.currentTarget.value as Lang;
        }}
        aria-label={t('interfaceLanguage')}
      >
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANG_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

