/** What the minimap needs from the canvas (node rectangles and the visible area, in canvas units). */
export interface MinimapSource {
  rects(): { x: number; y: number; w: number; h: number; comment: boolean; selected: boolean }[];
  viewport(): { x: number; y: number; w: number; h: number };
  centerOn(x: number, y: number): void;
}
