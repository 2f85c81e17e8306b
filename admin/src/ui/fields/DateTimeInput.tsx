// A date-time shown in the form's time zone (the event's, else the browser's), sent with its offset.
import { useContext } from 'preact/hooks';
import { fromLocalInput, offsetText, toLocalInput, zoneOffset } from '../../util/time';
import { type Cell, ZoneContext } from './cell';

export function DateTimeInput({ id, cell, aria }: { id: string; cell: Cell<string>; aria: Record<string, unknown> }) {
  const zone = useContext(ZoneContext)();
  const iso = cell.get() ?? '';
  const at = iso ? Date.parse(iso) : Date.now();
  return (
    <span class="datetime">
      <input
        id={id}
        type="datetime-local"
        value={iso ? toLocalInput(iso, zone) : ''}
        onInput={(e) => cell.set(fromLocalInput(e.currentTarget.value, zone))}
        {...aria}
      />
      <span class="zone" dir="ltr">
        {zone} (UTC{offsetText(zoneOffset(zone, Number.isNaN(at) ? Date.now() : at))})
      </span>
    </span>
  );
}
