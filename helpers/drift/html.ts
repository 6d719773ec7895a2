/**
 * The tutorial as AWS publishes it: an HTML page. Read with parse5 (the WHATWG parser jsdom
 * uses), the page's article becomes the plain text the command extraction in drift.ts already
 * reads: each code block (`<pre>`) a fenced block, each list item a numbered or bulleted line,
 * inline `<code>` a code span, entities decoded. Chrome around the article (navigation, copy
 * buttons, feedback widgets, scripts) is left out, so that its words never count as steps.
 *
 * The article is, in order of preference: AWS's `<div id="main-col-body">`, the page's `<main>`,
 * then `<body>`.
 */
import { parse, type DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Elements whose content is never the tutorial's text. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'header',
  'footer',
  'button',
  'svg',
  'iframe',
  'form',
  'awsdocs-page-header',
  'awsdocs-language-banner',
  'awsdocs-thumb-feedback',
  'awsdocs-copyright',
  'awsdocs-filter-selector',
]);
/** AWS's copy-to-clipboard buttons and page header sit inside the article. */
const SKIPPED_CLASSES = ['code-btn-container', 'awsdocs-page-header-container', 'btn-copy-code'];
/** Elements that start a new line of text. */
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'aside',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'figure',
  'figcaption',
  'hr',
  'ol',
  'ul',
  'li',
  'pre',
  'awsdocs-tabs',
]);

const isElement = (node: Node): node is Element => 'tagName' in node;
const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;

function skipped(el: Element): boolean {
  if (SKIPPED.has(el.tagName)) return true;
  if (attr(el, 'aria-hidden') === 'true') return true;
  const classes = (attr(el, 'class') ?? '').split(/\s+/);
  return SKIPPED_CLASSES.some((c) => classes.includes(c));
}

function children(node: Node): Node[] {
  if (isElement(node) && node.tagName === 'template') return [];
  return 'childNodes' in node ? node.childNodes : [];
}

function find(node: Node, test: (el: Element) => boolean): Element | undefined {
  if (isElement(node) && test(node)) return node;
  for (const child of children(node)) {
    const hit = find(child, test);
    if (hit) return hit;
  }
  return undefined;
}

/** The text of a code block as written: line breaks kept, chrome left out. */
function codeText(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  if (isElement(node)) {
    if (skipped(node)) return '';
    if (node.tagName === 'br') return '\n';
  }
  return children(node).map(codeText).join('');
}

/** Builds the text line by line: blocks end the current line, inline content joins it. */
class TextWriter {
  readonly lines: string[] = [];
  private line = '';
  /** The prefix the next line gets (a list marker), and the indentation after it. */
  private marker = '';
  /** The indentation of the item's own line, outside its content's. */
  private markerIndent = '';
  indent = '';

  inline(text: string): void {
    this.line += text;
  }

  /** Ends the current line, if it has text. */
  break(): void {
    const text = this.line.replace(/\s+/g, ' ').trim();
    if (text) {
      this.lines.push(this.marker ? `${this.markerIndent}${this.marker}${text}` : `${this.indent}${text}`);
      this.marker = '';
    }
    this.line = '';
  }

  startItem(marker: string): void {
    this.break();
    this.marker = marker;
    this.markerIndent = this.indent;
  }

  code(text: string): void {
    this.break();
    // A fence longer than any run of backticks inside, so that the block cannot end early.
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    this.lines.push(
      fence,
      ...text
        .replace(/\r\n?/g, '\n')
        .replace(/^\n+|\n+$/g, '')
        .split('\n'),
      fence,
    );
  }
}

function write(node: Node, out: TextWriter): void {
  if (node.nodeName === '#text') {
    out.inline((node as DefaultTreeAdapterMap['textNode']).value);
    return;
  }
  if (!isElement(node)) {
    for (const child of children(node)) write(child, out);
    return;
  }
  if (skipped(node)) return;
  const tag = node.tagName;
  if (tag === 'pre') {
    out.code(codeText(node));
    return;
  }
  if (tag === 'br') {
    out.break();
    return;
  }
  if (tag === 'code' || tag === 'kbd' || tag === 'samp') {
    const text = codeText(node).replace(/\s+/g, ' ').trim();
    if (text) out.inline(` \`${text}\` `);
    return;
  }
  if (tag === 'ol' || tag === 'ul') {
    out.break();
    const start = Number(attr(node, 'start') ?? '1') || 1;
    const outer = out.indent;
    let n = start;
    for (const item of children(node)) {
      if (isElement(item) && item.tagName === 'li') {
        out.startItem(tag === 'ol' ? `${n++}. ` : '- ');
        out.indent = `${outer}   `;
        for (const child of children(item)) write(child, out);
        out.break();
        out.indent = outer;
      } else {
        write(item, out);
      }
    }
    out.indent = outer;
    return;
  }
  const block = BLOCKS.has(tag);
  if (block) out.break();
  for (const child of children(node)) write(child, out);
  if (block) out.break();
}

/** The tutorial's article of an HTML page as plain text with fenced code blocks. */
export function htmlToTutorialText(html: string): string {
  const document = parse(html);
  const article =
    find(document, (el) => attr(el, 'id') === 'main-col-body') ??
    find(document, (el) => el.tagName === 'main') ??
    find(document, (el) => el.tagName === 'body') ??
    document;
  const out = new TextWriter();
  for (const child of children(article)) write(child, out);
  out.break();
  return `${out.lines.join('\n')}\n`;
}

/**
 * Whether a document is HTML: by its media type when it was fetched, by its file name, and
 * otherwise by how it starts (a doctype or an <html> tag), as a browser sniffs.
 */
export function isHtmlDocument(text: string, hint: { path?: string; contentType?: string }): boolean {
  const type = hint.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/html' || type === 'application/xhtml+xml') return true;
  if (type && type !== 'application/octet-stream') return false;
  if (hint.path && /\.x?html?$/i.test(hint.path)) return true;
  if (hint.path && /\.(md|markdown|txt|text)$/i.test(hint.path)) return false;
  return /^\s*(?:<!doctype\s+html|<html[\s>])/i.test(text.slice(0, 1024).replace(/^\uFEFF/, ''));
}
