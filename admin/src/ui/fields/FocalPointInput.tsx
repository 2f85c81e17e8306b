// The point of an image that crops keep: click on the image; crops preview at once.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { t } from '../../i18n';
import type { Values } from '../../schema/values';
import type { Cell } from './cell';

/** The image the item shows, when it is one (set by the media panel). */
export const ImageContext = createContext<string | null>(null);

const CROPS: [number, number][] = [
  [160, 160],
  [240, 135],
  [120, 160],
];

export function FocalPointInput({ cell }: { cell: Cell<Values | Values[] | null> }) {
  const src = useContext(ImageContext);
  const v = cell.get() as Values | null;
  const x = Number(v?.x ?? 0.5);
  const y = Number(v?.y ?? 0.5);
  const set = (nx: number, ny: number) => cell.set({ x: nx.toFixed(3), y: ny.toFixed(3) });
  if (!src) return null;
  return (
    <div class="focal-point">
      <div
        class="focal"
        dir="ltr"
        role="slider"
        tabIndex={0}
        aria-label={t('focalPoint')}
        aria-valuetext={`x ${x.toFixed(2)}, y ${y.toFixed(2)}`}
        onClick={(e) => {
          const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
          set((e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
        }}
        onKeyDown={(e) => {
          const step = 0.05;
          const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
          const m = moves[e.key];
          if (!m) return;
          e.preventDefault();
          set(Math.min(1, Math.max(0, x + m[0])), Math.min(1, Math.max(0, y + m[1])));
        }}
      >
        <img src={src} alt="" />
        <span class="dot" style={{ insetInlineStart: `${x * 100}%`, insetBlockStart: `${y * 100}%` }} />
      </div>
      <div class="crops">
        {CROPS.map(([w, h]) => (
          <figure key={`${w}x${h}`}>
            <img src={src} alt="" width={w} height={h} style={{ objectPosition: `${x * 100}% ${y * 100}%` }} />
            <figcaption dir="ltr">
              {w}×{h}
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}
