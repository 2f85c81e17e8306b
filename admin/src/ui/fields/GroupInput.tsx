// An input object: one (a budget) or an ordered list of sub-items (sessions, objectives).
import { n, t } from '../../i18n';
import type { Widget } from '../../schema/model';
import { emptyValues, type Value, type Values } from '../../schema/values';
import { FieldView } from './FieldView';
import { ItemTools, move } from './LocalizedInput';
import { AllDayContext, type Cell } from './cell';

type Group = Extract<Widget, { type: 'group' }>;

const never = () => false;

/** The fields of one sub-item (its date-times keep their time: all-day concerns the item itself). */
function SubForm({ widget, item, set }: { widget: Group; item: Values; set: (v: Values) => void }) {
  return (
    <AllDayContext.Provider value={never}>
      <div class="sub-form">
        {widget.fields.map((f) => (
          <FieldView key={f.name} field={f} cell={{ get: () => item[f.name] ?? null, set: (v: Value) => set({ ...item, [f.name]: v }) }} />
        ))}
      </div>
    </AllDayContext.Provider>
  );
}

export function GroupInput({ widget, cell }: { widget: Group; cell: Cell<Values | Values[] | null> }) {
  if (!widget.many) {
    const item = cell.get() as Values | null;
    if (!item)
      return (
        <button type="button" class="add" onClick={() => cell.set(emptyValues(widget.fields))}>
          + {t('add')}
        </button>
      );
    return (
      <div class="group">
        <SubForm widget={widget} item={item} set={(v) => cell.set(v)} />
        <button type="button" onClick={() => cell.set(null)}>
          {t('remove')}
        </button>
      </div>
    );
  }
  const items = (cell.get() as Values[] | null) ?? [];
  const put = (next: Values[]) => cell.set(next);
  return (
    <div class="sub-items">
      <ol>
        {items.map((item, i) => (
          <li key={i} class="sub-item">
            <div class="sub-item-head">
              <span>{t('item', { n: i + 1 })}</span>
              <ItemTools index={i} count={items.length} onMove={(to) => put(move(items, i, to))} onRemove={() => put(items.filter((_, j) => j !== i))} />
            </div>
            <SubForm widget={widget} item={item} set={(v) => put(items.map((y, j) => (j === i ? v : y)))} />
          </li>
        ))}
      </ol>
      <button type="button" class="add" onClick={() => put([...items, emptyValues(widget.fields)])}>
        + {t('add')} ({n(widget.typeName.replace(/Input$/, ''))})
      </button>
    </div>
  );
}
