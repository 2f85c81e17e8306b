import { n, t } from '../i18n';

export function StateBadge({ state, changed }: { state: string; changed?: boolean }) {
  return (
    <span class={`state state-${state.toLowerCase()}`}>
      {n(state)}
      {changed && state === 'PUBLISHED' && <span class="changed" title={t('unpublishedChanges')} aria-label={t('unpublishedChanges')}> •</span>}
    </span>
  );
}
