// Sign-in: the start screen, and over the work when a session ends (the work stays underneath).
import { useSignal } from '@preact/signals';
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { login } from '../state/session';

export function Login({ expired = false }: { expired?: boolean }) {
  const email = useSignal('');
  const password = useSignal('');
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = null;
    try {
      await login(email.value, password.value);
      password.value = '';
    } catch (x) {
      error.value = x instanceof ApiError ? x.message : String(x);
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="login" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">{t('signIn')}</h1>
      {expired && <p class="banner warning" role="alert">{t('sessionExpired')}</p>}
      <div class="field">
        <label for="login-email">{t('email')}</label>
        <input id="login-email" type="email" autocomplete="username" required dir="ltr" value={email.value} onInput={(e) => (email.value = e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="login-password">{t('password')}</label>
        <input
          id="login-password"
          type="password"
          autocomplete="current-password"
          required
          dir="ltr"
          value={password.value}
          onInput={(e) => (password.value = e.currentTarget.value)}
        />
      </div>
      {error.value && (
        <p class="field-error" role="alert">
          {error.value}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy.value}>
        {t('signIn')}
      </button>
    </form>
  );
}
