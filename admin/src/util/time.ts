// Date-times shown in a time zone (an event's, or the browser's) and sent with their offset.

/** Milliseconds that `zone` is ahead of UTC at the instant `utc`. */
export function zoneOffset(zone: string, utc: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(utc))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const get = (k: string) => parts[k] ?? 0;
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utc / 1000) * 1000;
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

export function offsetText(ms: number): string {
  const m = Math.round(ms / 60000);
  return `${m < 0 ? '-' : '+'}${pad(Math.trunc(m / 60))}:${pad(m % 60)}`;
}

/** `2018-04-10T09:30` as the wall clock reads in `zone`, for `<input type="datetime-local">`. */
export function toLocalInput(iso: string, zone: string): string {
  const utc = Date.parse(iso);
  if (Number.isNaN(utc)) return '';
  return new Date(utc + zoneOffset(zone, utc)).toISOString().slice(0, 16);
}

/** The instant a wall-clock time in `zone` names, as RFC 3339 with that zone's offset. */
export function fromLocalInput(local: string, zone: string): string {
  if (!local) return '';
  const withSeconds = local.length === 16 ? `${local}:00` : local.slice(0, 19);
  const wall = Date.parse(`${withSeconds}Z`);
  if (Number.isNaN(wall)) return '';
  let off = zoneOffset(zone, wall);
  off = zoneOffset(zone, wall - off);
  return `${withSeconds}${offsetText(off)}`;
}

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
