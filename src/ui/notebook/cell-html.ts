/** The page's Markdown renderer, made on first use, with the last cells' HTML remembered. */
import 'katex/dist/katex.min.css';
import { createMarkdownRenderer, type MarkdownRenderer } from './markdown.ts';

let renderer: MarkdownRenderer | undefined;
const memo = new Map<string, string>();

export function cellMarkdown(text: string): string {
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  renderer ??= createMarkdownRenderer();
  const html = renderer.render(text);
  memo.set(text, html);
  if (memo.size > 400) memo.delete(memo.keys().next().value!);
  return html;
}
