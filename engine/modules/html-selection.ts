// k6/html's Selection and Element (grafana/k6 js/modules/k6/html) over a cheerio selection: the
// same method names as jQuery and cheerio, with k6's arguments and results where they differ:
// each() calls back with (index, Element), map() and filter()/is()/not() functions with (index,
// Selection), map() returns a plain array, get() gives Elements, toArray() Selections, attr() takes
// a default, size(), serializeObject(). Elements answer the DOM-like calls k6 documents.
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element as DomElement } from 'domhandler';

type Matcher = string | Selection | Element | ((index: number, sel: Selection) => unknown);

export class Selection {
  constructor(
    /** The cheerio selection underneath. */
    readonly sel: Cheerio<AnyNode>,
    private readonly $: CheerioAPI,
  ) {}

  private wrap(sel: Cheerio<AnyNode>): Selection {
    return new Selection(sel, this.$);
  }

  /** A selection of `node` in the same document. */
  around(node: AnyNode): Selection {
    return new Selection(this.$(node), this.$);
  }

  private at(index: number): Selection {
    return this.wrap(this.sel.eq(index));
  }

  /** A selector argument as cheerio takes it. */
  private arg(v: unknown): string | Cheerio<AnyNode> | AnyNode {
    if (v instanceof Selection) return v.sel;
    if (v instanceof Element) return v.node;
    if (typeof v === 'string') return v;
    throw new Error(`invalid argument, cannot use a '${v === null ? 'null' : typeof v}' as a selector`);
  }

  /** A filter argument: a selector, a selection, or k6's (index, Selection) callback. */
  private matcher(v: Matcher, method: string): string | Cheerio<AnyNode> | AnyNode | ((i: number, el: AnyNode) => boolean) {
    if (typeof v === 'function') return (i: number, el: AnyNode) => Boolean(v(i, this.wrap(this.$(el))));
    if (typeof v === 'string' || v instanceof Selection || v instanceof Element) return this.arg(v);
    throw new Error(`the argument to ${method}() must be a function, a selector or a selection`);
  }

  add(v: unknown): Selection {
    return this.wrap(this.sel.add(this.arg(v) as string));
  }
  find(v: unknown): Selection {
    return this.wrap(this.sel.find(this.arg(v) as string));
  }
  closest(v: unknown): Selection {
    return this.wrap(this.sel.closest(this.arg(v) as string));
  }
  has(v: unknown): Selection {
    return this.wrap(this.sel.has(this.arg(v) as string));
  }
  not(v: Matcher): Selection {
    return this.wrap(this.sel.not(this.matcher(v, 'not') as string));
  }
  filter(v: Matcher): Selection {
    return this.wrap(this.sel.filter(this.matcher(v, 'filter') as string));
  }
  is(v: Matcher): boolean {
    return this.sel.is(this.matcher(v, 'is') as string);
  }
  next(selector?: string): Selection {
    return this.wrap(this.sel.next(selector));
  }
  nextAll(selector?: string): Selection {
    return this.wrap(this.sel.nextAll(selector));
  }
  prev(selector?: string): Selection {
    return this.wrap(this.sel.prev(selector));
  }
  prevAll(selector?: string): Selection {
    return this.wrap(this.sel.prevAll(selector));
  }
  parent(selector?: string): Selection {
    return this.wrap(this.sel.parent(selector));
  }
  parents(selector?: string): Selection {
    return this.wrap(this.sel.parents(selector));
  }
  siblings(selector?: string): Selection {
    return this.wrap(this.sel.siblings(selector));
  }
  children(selector?: string): Selection {
    return this.wrap(this.sel.children(selector));
  }
  nextUntil(until?: unknown, filter?: string): Selection {
    return this.wrap(this.sel.nextUntil(until === undefined ? undefined : (this.arg(until) as string), filter));
  }
  prevUntil(until?: unknown, filter?: string): Selection {
    return this.wrap(this.sel.prevUntil(until === undefined ? undefined : (this.arg(until) as string), filter));
  }
  parentsUntil(until?: unknown, filter?: string): Selection {
    return this.wrap(this.sel.parentsUntil(until === undefined ? undefined : (this.arg(until) as string), filter));
  }
  contents(): Selection {
    return this.wrap(this.sel.contents());
  }
  end(): Selection {
    return this.wrap(this.sel.end());
  }
  eq(index: number): Selection {
    return this.at(index);
  }
  first(): Selection {
    return this.wrap(this.sel.first());
  }
  last(): Selection {
    return this.wrap(this.sel.last());
  }
  slice(start: number, end?: number): Selection {
    return this.wrap(this.sel.slice(start, end));
  }
  size(): number {
    return this.sel.length;
  }
  get length(): number {
    return this.sel.length;
  }
  text(): string {
    return this.sel.text();
  }
  html(): string | undefined {
    return this.sel.html() ?? undefined;
  }
  attr(name: string, fallback?: unknown): unknown {
    const value = this.sel.attr(name);
    return value === undefined ? fallback : value;
  }
  data(key?: string): unknown {
    if (this.sel.length === 0) return undefined;
    return key === undefined ? this.sel.data() : this.sel.data(key);
  }
  /** A form field's value as k6 reads it (select: the selected option's; multiple: a list). */
  val(): unknown {
    const node = this.sel.get(0);
    if (node === undefined || node.type !== 'tag') return undefined;
    const tag = (node as DomElement).name.toLowerCase();
    const optionValue = (opt: Cheerio<AnyNode>) => opt.attr('value') ?? opt.html() ?? '';
    switch (tag) {
      case 'input': {
        const value = this.sel.attr('value');
        if (value !== undefined) return value;
        const type = this.sel.attr('type');
        return type === 'radio' || type === 'checkbox' ? 'on' : '';
      }
      case 'button':
        return this.sel.attr('value') ?? '';
      case 'textarea':
        return this.html();
      case 'option':
        return optionValue(this.sel.first());
      case 'select': {
        const selected = this.sel.first().find('option[selected]');
        if (this.sel.attr('multiple') !== undefined) return selected.toArray().map((o) => optionValue(this.$(o)));
        return selected.length === 0 ? '' : optionValue(selected.first());
      }
      default:
        return undefined;
    }
  }
  each(fn: (index: number, element: Element | undefined) => unknown): Selection {
    if (typeof fn !== 'function') throw new Error('the argument to each() must be a function');
    const n = this.sel.length;
    for (let i = 0; i < n; i++) fn(i, elementOf(this.at(i)));
    return this;
  }
  map(fn: (index: number, sel: Selection) => unknown): unknown[] {
    if (typeof fn !== 'function') throw new Error('the argument to map() must be a function');
    const out: unknown[] = [];
    const n = this.sel.length;
    for (let i = 0; i < n; i++) out.push(fn(i, this.at(i)));
    return out;
  }
  get(index?: number): Element | Array<Element | undefined> | undefined {
    const n = this.sel.length;
    if (index === undefined) return Array.from({ length: n }, (_, i) => elementOf(this.at(i)));
    return index < n && index > -n ? elementOf(this.at(index)) : undefined;
  }
  toArray(): Selection[] {
    return Array.from({ length: this.sel.length }, (_, i) => this.at(i));
  }
  index(v?: unknown): number {
    if (v === undefined) return this.sel.index();
    if (v instanceof Selection || v instanceof Element || typeof v === 'string') return this.sel.index(this.arg(v) as string);
    return -1;
  }
  serialize(): string {
    return this.sel.serialize();
  }
  serializeArray(): Array<{ name: string; value: string }> {
    return this.sel.serializeArray();
  }
  /** k6: each field's name to its value (the last one wins). */
  serializeObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name, value } of this.serializeArray()) out[name] = value;
    return out;
  }
}

/** The element of a one-node selection (undefined when it is empty). */
function elementOf(sel: Selection): Element | undefined {
  const node = sel.sel.get(0);
  return node === undefined ? undefined : new Element(node, sel);
}

const NODE_TYPES: Record<string, number> = { tag: 1, script: 1, style: 1, text: 3, cdata: 4, comment: 8, root: 9, directive: 10 };

export class Element {
  constructor(
    readonly node: AnyNode,
    private readonly sel: Selection,
  ) {}

  private near(node: AnyNode | null | undefined): Element | undefined {
    return node === null || node === undefined ? undefined : elementOf(this.sel.around(node));
  }

  private list(sel: Selection): Element[] {
    return sel.toArray().map((s) => elementOf(s)!);
  }

  private get dom(): DomElement | null {
    const n = this.node;
    return n.type === 'tag' || n.type === 'script' || n.type === 'style' ? (n as DomElement) : null;
  }

  selection(): Selection {
    return this.sel;
  }
  getAttribute(name: string): string | undefined {
    return this.sel.sel.attr(name);
  }
  hasAttribute(name: string): boolean {
    return this.sel.sel.attr(name) !== undefined;
  }
  hasAttributes(): boolean {
    return Object.keys(this.dom?.attribs ?? {}).length > 0;
  }
  attributes(): Record<string, { name: string; value: string; ownerElement: Element }> {
    const out: Record<string, { name: string; value: string; ownerElement: Element }> = {};
    for (const [name, value] of Object.entries(this.dom?.attribs ?? {})) out[name] = { name, value, ownerElement: this };
    return out;
  }
  textContent(): string {
    return this.sel.text();
  }
  innerHTML(): string | undefined {
    return this.sel.html();
  }
  id(): string {
    return this.getAttribute('id') ?? '';
  }
  className(): string | undefined {
    return this.getAttribute('class');
  }
  classList(): string[] {
    return (this.getAttribute('class') ?? '').split(/\s+/).filter((c) => c !== '');
  }
  lang(): string | undefined {
    return this.getAttribute('lang') ?? (this.sel.closest('[lang]').attr('lang') as string | undefined);
  }
  nodeName(): string {
    const n = this.node;
    if (this.dom !== null) return this.dom.name.toLowerCase();
    return n.type === 'text' ? '#text' : n.type === 'comment' ? '#comment' : n.type === 'root' ? '#document' : n.type === 'cdata' ? '#cdata-section' : '#doctype';
  }
  nodeType(): number | undefined {
    return NODE_TYPES[this.node.type];
  }
  nodeValue(): string | null {
    const n = this.node as { data?: string };
    return this.node.type === 'text' || this.node.type === 'comment' ? (n.data ?? '') : null;
  }
  hasChildNodes(): boolean {
    return ((this.node as { children?: AnyNode[] }).children ?? []).length > 0;
  }
  childNodes(): Element[] {
    return this.list(this.sel.contents());
  }
  children(): Element[] {
    return this.list(this.sel.children());
  }
  childElementCount(): number {
    return this.sel.children().size();
  }
  firstChild(): Element | undefined {
    return this.near((this.node as { firstChild?: AnyNode | null }).firstChild);
  }
  lastChild(): Element | undefined {
    return this.near((this.node as { lastChild?: AnyNode | null }).lastChild);
  }
  firstElementChild(): Element | undefined {
    return elementOf(this.sel.children().first());
  }
  lastElementChild(): Element | undefined {
    return elementOf(this.sel.children().last());
  }
  previousSibling(): Element | undefined {
    return this.near(this.node.prev);
  }
  nextSibling(): Element | undefined {
    return this.near(this.node.next);
  }
  previousElementSibling(): Element | undefined {
    return elementOf(this.sel.prev());
  }
  nextElementSibling(): Element | undefined {
    return elementOf(this.sel.next());
  }
  parentNode(): Element | undefined {
    return this.near(this.node.parent);
  }
  parentElement(): Element | undefined {
    return elementOf(this.sel.parent());
  }
  ownerDocument(): Element | undefined {
    let n: AnyNode = this.node;
    while (n.parent) n = n.parent;
    return n.type === 'root' ? this.near(n) : undefined;
  }
  querySelector(selector: string): Element | undefined {
    return elementOf(this.sel.find(selector).first());
  }
  querySelectorAll(selector: string): Element[] {
    return this.list(this.sel.find(selector));
  }
  getElementsByClassName(name: string): Element[] {
    return this.list(this.sel.find(`.${name}`));
  }
  getElementsByTagName(name: string): Element[] {
    return this.list(this.sel.find(name));
  }
  matches(selector: string): boolean {
    return this.sel.is(selector);
  }
  contains(other: unknown): boolean {
    if (!(other instanceof Element)) return false;
    for (let n: AnyNode | null = other.node; n !== null; n = n.parent) if (n === this.node) return true;
    return false;
  }
  isSameNode(other: unknown): boolean {
    return other instanceof Element && other.node === this.node;
  }
  isEqualNode(other: unknown): boolean {
    return other instanceof Element && other.sel.html() === this.sel.html();
  }
  toString(): string {
    return this.dom !== null ? '[object html.Node]' : `[object ${this.nodeName()}]`;
  }
}

/** The document of `text` as k6's parseHTML gives it. */
export function documentSelection($: CheerioAPI): Selection {
  return new Selection($.root(), $);
}
