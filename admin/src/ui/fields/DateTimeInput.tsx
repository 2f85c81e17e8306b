// A date-time shown in the form's time zone (the event's, else the browser's), sent with its offset.
import { useContext } from 'preact/hooks';
import { fromLocalInput, offsetText, toLocalInput, zoneOffset } from '../../util/time';
import { AllDayContext, type Cell, ZoneContext } from './cell';

export function DateTimeInput({ id, cell, aria, end }: { id: string; cell: Cell<string>; aria: Record<string, unknown>; end: boolean }) {
  const zone = useContext(ZoneContext)();
  const allDay = useContext(AllDayContext)();
  const iso = cell.get() ?? '';
  const at = iso ? Date.parse(iso) : Date.now();
  const zoneText = (
    <span class="zone" dir="ltr">
      {zone} (UTC{offsetText(zoneOffset(zone, Number.isNaN(at) ? Date.now() : at))})
    </span>
  );
  if (allDay) {
    // All day: the start of the first day, or the end of the last, in the item's time zone.
    return (
      <span class="datetime">
        <input
          id={id}
          type="date"
          value={iso ? toLocalInput(iso, zone).slice(0, 10) : ''}
          onInput={(e) => {
            const d = e.currentTarget.value;
            cell.set(d ? fromLocalInput(`${d}T${end ? '23:59:59' : '00:00:00'}`, zone) : '');
          }}
          {...aria}
        />
        {zoneText}
      </span>
    );
  }
  return (
    <span class="datetime">
      <input
        id={id}
        type="datetime-local"
        value={iso ? toLocalInput(iso, zone) : ''}
        onInput={(e) => cell.set(fromLocalInput(e.currentTarget.value, zone))}
        {...aria}
      />
      {zoneText}
    </span>
  );
}
