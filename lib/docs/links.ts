// Relative links of markdown pages: every `[text](path#anchor)` must name an existing file, and
// an anchor must be a heading of the target page as GitHub slugs it. marked's lexer finds the links
// (so code blocks and code spans are not mistaken for links); github-slugger makes the anchors.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token } from 'marked';

export interface LinkProblem {
  page: string;
  link: string;
  problem: string;
}

function walk(tokens: Token[], visit: (token: Token) => void): void {
  for (const token of tokens) {
    visit(token);
    const children = (token as { tokens?: Token[] }).tokens;
    if (children) walk(children, visit);
    if (token.type === 'list') for (const item of token.items) walk(item.tokens, visit);
    if (token.type === 'table') {
      for (const cell of token.header) walk(cell.tokens, visit);
      for (const row of token.rows) for (const cell of row) walk(cell.tokens, visit);
    }
  }
}

/** Plain text of inline tokens, as GitHub uses it for a heading's anchor. */
function plain(tokens: Token[]): string {
  return tokens.map((t) => ('tokens' in t && t.tokens ? plain(t.tokens) : t.type === 'codespan' ? t.text : 'text' in t ? t.text : t.raw)).join('');
}

/** The anchors GitHub gives a page's headings (repeated headings get -1, -2, ...). */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  walk(Lexer.lex(markdown), (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(plain(token.tokens ?? [])));
  });
  return anchors;
}

/** Link targets of a page (links and images), in order. */
export function linksOf(markdown: string): string[] {
  const links: string[] = [];
  walk(Lexer.lex(markdown), (token) => {
    if (token.type === 'link' || token.type === 'image') links.push(token.href);
  });
  return links;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Problems with the relative links of one page (`page` relative to `root`). */
export function checkLinks(root: string, page: string): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const file = join(root, page);
  const text = readFileSync(file, 'utf8');
  for (const link of linksOf(text)) {
    if (EXTERNAL.test(link)) continue;
    const [rawPath, anchor] = link.split('#', 2) as [string, string | undefined];
    const path = decodeURIComponent(rawPath);
    const target = path === '' ? file : join(dirname(file), path);
    if (!existsSync(target)) {
      problems.push({ page, link, problem: `${relative(root, target) || '.'} does not exist` });
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(target).isDirectory() || !target.endsWith('.md')) {
      problems.push({ page, link, problem: `#${anchor} points into ${relative(root, target)}, which is not a markdown page` });
      continue;
    }
    const anchors = anchorsOf(target === file ? text : readFileSync(target, 'utf8'));
    if (!anchors.has(decodeURIComponent(anchor))) {
      problems.push({ page, link, problem: `${relative(root, target)} has no heading #${anchor}` });
    }
  }
  return problems;
}
