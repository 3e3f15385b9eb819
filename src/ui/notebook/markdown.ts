/**
 * A cell's Markdown as safe HTML. Graph files are shared and untrusted, so:
 * - marked renders the Markdown; DOMPurify then removes scripts, event attributes, `javascript:`
 *   and other non-http(s) links, forms, styles (a style could lay a fake control over the studio)
 *   and remote images (a shared notebook must not make its readers fetch anything);
 * - formulas are rendered by KaTeX (`trust: false`, so no \href or \includegraphics) into
 *   placeholders *after* that pass, because KaTeX's own output needs inline styles; that output is
 *   sanitised again with styles allowed. A formula longer than MAX_FORMULA characters, or one that
 *   fails, shows as its source text.
 * - `[text](#node:ID)` links carry `data-node` so the notebook can frame that node.
 */
import DOMPurify, { type WindowLike } from 'dompurify';
import katex from 'katex';
import { Marked, type Tokens } from 'marked';
import markedKatex from 'marked-katex-extension';

export const MAX_FORMULA = 2000;
const NODE_LINK = /^#node:([A-Za-z0-9_][A-Za-z0-9_.:-]{0,63})$/;

export interface MarkdownRenderer {
  render(text: string): string;
}

/** A renderer bound to a window (the page's, or jsdom's in tests). */
export function createMarkdownRenderer(win: WindowLike = window as unknown as WindowLike): MarkdownRenderer {
  const text = DOMPurify(win);
  text.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href') ?? '';
      const m = NODE_LINK.exec(href);
      if (m) node.setAttribute('data-node', m[1]!);
      else if (/^https?:/i.test(href)) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      } else node.removeAttribute('href');
    }
    if (node.nodeName === 'IMG' && !/^data:image\/(png|jpeg|gif|webp);/i.test(node.getAttribute('src') ?? '')) node.remove();
  });
  const textConfig = {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'object', 'embed', 'link', 'meta', 'base', 'dialog', 'svg', 'math'],
    FORBID_ATTR: ['style', 'id', 'name', 'class', 'srcset', 'action', 'formaction', 'autofocus', 'tabindex'],
    ALLOWED_URI_REGEXP: /^(?:https?:|#|data:image\/)/i,
  };
  const math = DOMPurify(win);
  const mathConfig = { ADD_TAGS: ['semantics', 'annotation'], FORBID_TAGS: ['a', 'img', 'style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'foreignObject', 'use'], FORBID_ATTR: ['href', 'xlink:href', 'src', 'id', 'name'] };

  const formulas: string[] = [];
  /** Per render, so a placeholder typed into the Markdown is never filled. */
  let nonce = '';
  const marked = new Marked({ gfm: true, breaks: false, async: false });
  // The extension's tokenizer finds the formulas; its renderer is replaced (a later renderer of the
  // same name wins) so that they become placeholders that survive the text pass.
  marked.use(markedKatex());
  marked.use({
    extensions: [
      { name: 'inlineKatex', renderer: (t) => placeholder(t as Tokens.Generic, false) },
      { name: 'blockKatex', renderer: (t) => placeholder(t as Tokens.Generic, true) },
    ],
  });
  function placeholder(t: Tokens.Generic, block: boolean): string {
    const src = String(t.text ?? '');
    const display = block || t.displayMode === true;
    let html: string;
    if (src.length > MAX_FORMULA) html = `<code class="formula-too-long">formula of ${src.length} characters (at most ${MAX_FORMULA})</code>`;
    else {
      try {
        html = katex.renderToString(src, { throwOnError: false, displayMode: display, output: 'htmlAndMathml', trust: false, maxSize: 20, maxExpand: 200, strict: 'ignore' });
      } catch {
        html = `<code>${escapeHtml(src)}</code>`;
      }
    }
    formulas.push(math.sanitize(html, mathConfig) as string);
    return `<span data-formula="${nonce}-${formulas.length - 1}"></span>${block ? '\n' : ''}`;
  }

  return {
    render(md: string): string {
      formulas.length = 0;
      nonce = Math.random().toString(36).slice(2, 10);
      const raw = marked.parse(md) as string;
      const clean = text.sanitize(raw, { ...textConfig, ADD_ATTR: ['data-formula', 'data-node', 'target'] }) as string;
      return clean.replace(/<span data-formula="([a-z0-9]+)-(\d+)"><\/span>/g, (m, n: string, i: string) => (n === nonce ? (formulas[Number(i)] ?? '') : ''));
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
