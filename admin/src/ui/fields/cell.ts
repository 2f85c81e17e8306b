import { createContext } from 'preact';
import type { Value } from '../../schema/values';

/** Where a field's value lives: a top-level signal or a part of a sub-item. */
export interface Cell<T extends Value = Value> {
  get(): T;
  set(v: T): void;
}

/** The time zone that date-times of this form are shown in. */
export const ZoneContext = createContext<() => string>(() => Intl.DateTimeFormat().resolvedOptions().timeZone);

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** Whether the item is all-day (its `allDay` field): date-times are then edited as dates. */
export const AllDayContext = createContext<() => boolean>(() => false);
