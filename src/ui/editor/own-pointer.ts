/**
 * An attachment for controls inside a node card (buttons, sliders): their pointer presses stay
 * theirs. Rete drags a card on pointerdown and captures the pointer, so the control would never get
 * its click. A native listener is needed: Svelte delegates `onpointerdown` to the mount root, which
 * the event reaches only after rete has seen it.
 */
export function ownPointer(el: HTMLElement): () => void {
  const stop = (e: Event) => e.stopPropagation();
  el.addEventListener('pointerdown', stop);
  return () => el.removeEventListener('pointerdown', stop);
}
