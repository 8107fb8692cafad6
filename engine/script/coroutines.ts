// Rewrites a bundled k6 script so that its synchronous calls (http.get, sleep, group, ...) can wait
// without blocking a thread: every function of the script becomes a generator behind a wrapper, and
// every call inside such a function becomes `yield*` of the runtime's call (engine/coroutines.ts),
// which steps into the callee's generator or yields the promise a waiting k6 call returns. The VU's
// driver awaits each promise and resumes the generator with its value, so thousands of VUs in
// synchronous style share the main event loop, as async scripts do.
// What is left as written (its calls are plain calls, and a k6 call that must wait there throws):
// constructors, getters and setters, private and computed class members, generator functions,
// async functions with `for await`, arrows that read `arguments`, and parameter defaults.
import { parse, type Node } from 'acorn';
import { CO } from './compiled.ts';
import type { ColumnMap } from './column-map.ts';


interface AnyNode extends Node {
  [key: string]: unknown;
}

interface Edit {
  at: number;
  end: number;
  text: string;
  /** Order among edits at the same position (lower first). */
  order: number;
  /** Where every position inside `text` points in the bundle (default: where the edit is, in step). */
  origin?: number;
}

interface Fn {
  /** Calls inside are rewritten. */
  rewrite: boolean;
  async: boolean;
}

/** The rewritten code, or the reason the script cannot run this way. */
export type CoroutineCode = { code: string; columns: ColumnMap } | { unsupported: string };

const isNode = (v: unknown): v is AnyNode => typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';

export function toCoroutines(code: string): CoroutineCode {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true }) as unknown as AnyNode;
  } catch (e) {
    return { unsupported: `the bundle does not parse: ${(e as Error).message}` };
  }
  const edits: Edit[] = [];
  let order = 0;
  const insert = (at: number, text: string) => edits.push({ at, end: at, text, order: order++ });
  const replace = (at: number, end: number, text: string) => edits.push({ at, end, text, order: order++ });
  /** Statements `name = wrap(name)` for the generator declarations of each scope, by the scope's start. */
  const hoisted = new Map<number, string[]>();

  /** Position of the first `ch` at or after `from`, outside comments. */
  const find = (from: number, ch: string): number => {
    for (let i = from; i < code.length; i++) {
      const c = code[i];
      if (c === '/' && code[i + 1] === '*') i = code.indexOf('*/', i + 2) + 1;
      else if (c === '/' && code[i + 1] === '/') i = code.indexOf('\n', i);
      else if (c === ch) return i;
    }
    return -1;
  };

  /** Where the statements of a body start (after a directive prologue). */
  const bodyStart = (body: AnyNode): number => {
    const list = body.body as AnyNode[];
    let at = (body.type === 'Program' ? body.start : body.start + 1) as number;
    for (const s of list) {
      if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = s.end;
      else break;
    }
    return at;
  };

  const usesOwn = (fn: AnyNode, names: Set<string>): boolean => {
    let found = false;
    const visit = (n: AnyNode) => {
      if (found) return;
      if (n.type === 'ThisExpression' && names.has('this')) found = true;
      else if (n.type === 'Super' && names.has('super')) found = true;
      else if (n.type === 'Identifier' && names.has(n.name as string)) found = true;
      else if (n.type === 'MetaProperty' && names.has('new.target')) found = true;
      if (found) return;
      // Ordinary functions and classes have their own this/arguments.
      if (n !== fn && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ClassBody')) return;
      children(n, visit);
    };
    visit(fn);
    return found;
  };

  const containsForAwait = (fn: AnyNode): boolean => {
    let found = false;
    const visit = (n: AnyNode) => {
      if (found) return;
      if (n.type === 'ForOfStatement' && n.await === true) found = true;
      if (n !== fn && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration' || n.type === 'ArrowFunctionExpression')) return;
      children(n, visit);
    };
    visit(fn);
    return found;
  };

  /** The function's header rewritten into a generator; null when it stays as written. */
  const rewriteFunction = (fn: AnyNode, parent: AnyNode | null, scopeStart: number): boolean => {
    if (fn.generator === true) return false;
    const isAsync = fn.async === true;
    if (isAsync && containsForAwait(fn)) return false;
    const body = fn.body as AnyNode;
    const params = fn.params as AnyNode[];
    const wrap = isAsync ? `${CO}.wrapAsync` : `${CO}.wrap`;
    if (fn.type === 'FunctionDeclaration') {
      // Only where its scope has a first statement to wrap it in (not in a switch case, a label, an if).
      if (parent === null || (parent.type !== 'Program' && parent.type !== 'BlockStatement')) return false;
      const name = (fn.id as AnyNode).name as string;
      // `async function f` / `function f` -> `function* f`; the binding is wrapped at the top of its scope.
      replace(fn.start, (fn.id as AnyNode).start, 'function* ');
      const list = hoisted.get(scopeStart) ?? [];
      list.push(`${name} = ${wrap}(${name});`);
      hoisted.set(scopeStart, list);
      return true;
    }
    if (fn.type === 'FunctionExpression') {
      const isMethod = parent !== null && parent.type === 'Property' && (parent.method === true || parent.kind !== 'init');
      if (parent !== null && parent.type === 'Property' && parent.kind !== 'init') return false;
      if (parent !== null && parent.type === 'MethodDefinition') return false;
      if (isMethod) {
        // `m(x) {` -> `m: wrap(function* (x) {`: a method that uses super stays as written.
        if (usesOwn(fn, new Set(['super']))) return false;
        const key = parent.key as AnyNode;
        const keyEnd = parent.computed === true ? find(key.end, ']') + 1 : key.end;
        replace(parent.start, key.start, parent.computed === true ? '[' : '');
        replace(keyEnd, fn.start + findParamsOffset(fn), `: ${wrap}(function* `);
        insert(fn.end, ')');
        return true;
      }
      replace(fn.start, fn.start + findParamsOffset(fn), `${wrap}(function* ${fn.id ? (fn.id as AnyNode).name : ''}`);
      insert(fn.end, ')');
      return true;
    }
    // Arrow: lexical this stays by bind; arguments, super and new.target would change meaning.
    if (usesOwn(fn, new Set(['arguments', 'super', 'new.target']))) return false;
    const bindThis = usesOwn(fn, new Set(['this']));
    const arrow = find(params.length > 0 ? params[params.length - 1].end : fn.start + (isAsync ? 5 : 0), '=');
    const afterArrow = arrow + 2;
    const paramsText = code.slice(fn.start + (isAsync ? 5 : 0), arrow).trim();
    const list = paramsText.startsWith('(') ? paramsText : `(${paramsText})`;
    const head = `${wrap}(${bindThis ? '(' : ''}function* ${list} `;
    const tail = bindThis ? ').bind(this))' : ')';
    if (fn.expression === true) {
      // The body keeps its own parentheses (`() => ({...})`); `return (` guards against a line break after it.
      replace(fn.start, afterArrow, `${head}{ return (`);
      insert(fn.end, `); }${tail}`);
    } else {
      replace(fn.start, body.start, head);
      insert(fn.end, tail);
    }
    return true;
  };

  /** Offset of the function's parameter list from its start. */
  const findParamsOffset = (fn: AnyNode): number => find(fn.id ? (fn.id as AnyNode).end : fn.start, '(') - fn.start;

  const rewriteCall = (call: AnyNode): void => {
    const callee = call.callee as AnyNode;
    if (call.optional === true || callee.type === 'Super' || callee.type === 'Import' || callee.type === 'ChainExpression') return;
    const args = call.arguments as AnyNode[];
    const parenthesized = call.start < callee.start;
    const open = find(parenthesized ? find(callee.end, ')') + 1 : callee.end, '(');
    const close = args.length > 0 ? args[args.length - 1].end : open + 1;
    if (callee.type === 'MemberExpression' && !parenthesized && (callee.object as AnyNode).type === 'Super') {
      // super.m(x) -> call(super.m, this, [x]): a method of the base class may wait too.
      if (callee.optional === true) return;
      edits.push({ at: call.start, end: call.start, text: `(yield* ${CO}.call(`, order: order++, origin: (callee.property as AnyNode).start });
      replace(callee.end, open + 1, ', this, [');
    } else if (callee.type === 'MemberExpression' && !parenthesized) {
      if (callee.optional === true) return;
      const object = callee.object as AnyNode;
      const property = callee.property as AnyNode;
      // A caller waiting in `yield*` reports the runtime call's position: where V8 puts a plain
      // call (the callee's start; the property's name for a method call).
      edits.push({ at: call.start, end: call.start, text: `(yield* ${CO}.method(`, order: order++, origin: property.start });
      if (callee.computed === true) {
        replace(object.end, property.start, ', ');
        replace(property.end, open + 1, ', [');
      } else {
        replace(object.end, open + 1, `, ${JSON.stringify(property.name)}, [`);
      }
    } else {
      edits.push({ at: call.start, end: call.start, text: `(yield* ${CO}.call(`, order: order++, origin: call.start });
      replace(open, open + 1, ', void 0, [');
    }
    replace(close, call.end, ']))');
  };

  const walk = (n: AnyNode, parent: AnyNode | null, fn: Fn, scopeStart: number, skip: boolean): void => {
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const rewrite = !skip && rewriteFunction(n, parent, scopeStart);
        const inner: Fn = { rewrite, async: n.async === true };
        // Parameters: no yield there.
        for (const p of n.params as AnyNode[]) walk(p, n, { rewrite: false, async: false }, scopeStart, skip);
        const body = n.body as AnyNode;
        walk(body, n, inner, body.type === 'BlockStatement' ? bodyStart(body) : scopeStart, skip);
        return;
      }
      case 'ClassBody': {
        // Plain and async methods with a plain name become generator methods, wrapped by a static
        // block the class runs when it is defined. Constructors, getters, setters, private and
        // computed members run as written; their bodies are walked for nested functions.
        const proto: string[] = [];
        const statics: string[] = [];
        for (const member of n.body as AnyNode[]) {
          if (member.computed === true) walk(member.key as AnyNode, member, fn, scopeStart, skip);
          const value = member.value as AnyNode | null;
          const key = member.key as AnyNode | undefined;
          const name = key?.type === 'Identifier' ? (key.name as string) : key?.type === 'Literal' && typeof key.value === 'string' ? key.value : null;
          const rewrite =
            !skip && member.type === 'MethodDefinition' && member.kind === 'method' && member.computed !== true && name !== null && value?.generator !== true && !usesOwn(value!, new Set(['new.target']));
          if (rewrite) {
            replace(member.start, key!.start, `${member.static === true ? 'static ' : ''}*`);
            (member.static === true ? statics : proto).push(`[${JSON.stringify(name)},${value!.async === true ? 1 : 0}]`);
          }
          if (value?.type === 'FunctionExpression') {
            for (const p of value.params as AnyNode[]) walk(p, value, { rewrite: false, async: false }, scopeStart, skip);
            walk(value.body as AnyNode, value, { rewrite, async: value.async === true }, bodyStart(value.body as AnyNode), skip);
          } else if (value) walk(value, member, { rewrite: false, async: false }, scopeStart, skip);
          else if (member.type === 'StaticBlock') children(member, (c) => walk(c, member, { rewrite: false, async: false }, scopeStart, skip));
        }
        if (proto.length > 0 || statics.length > 0) insert(n.end - 1, ` static { ${CO}.methods(this, [${proto.join(',')}], [${statics.join(',')}]); }`);
        return;
      }
      case 'BlockStatement':
        if (parent !== null && parent.type !== 'FunctionDeclaration' && parent.type !== 'FunctionExpression' && parent.type !== 'ArrowFunctionExpression') {
          children(n, (c) => walk(c, n, fn, bodyStart(n), skip));
          return;
        }
        break;
      case 'VariableDeclarator': {
        // esbuild's helpers (`var __toESM = ...`) run at init only: left as written.
        const id = n.id as AnyNode;
        if (parent !== null && id.type === 'Identifier' && /^__[A-Za-z]+$/.test(id.name as string)) {
          children(n, (c) => walk(c, n, fn, scopeStart, true));
          return;
        }
        break;
      }
      case 'AwaitExpression':
        if (fn.rewrite && fn.async) {
          replace(n.start, (n.argument as AnyNode).start, '(yield ');
          insert((n.argument as AnyNode).end, ')');
        }
        break;
      case 'CallExpression':
        if (fn.rewrite) rewriteCall(n);
        break;
    }
    children(n, (c) => walk(c, n, fn, scopeStart, skip));
  };

  walk(program, null, { rewrite: false, async: false }, bodyStart(program), false);
  for (const [at, lines] of hoisted) insert(at, lines.join(''));
  return apply(code, edits);
}

function children(n: AnyNode, visit: (c: AnyNode) => void): void {
  for (const key in n) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
    const v = n[key];
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) visit(item);
    } else if (isNode(v)) visit(v);
  }
}

function apply(code: string, edits: Edit[]): { code: string; columns: ColumnMap } {
  edits.sort((a, b) => a.at - b.at || a.end - b.end || a.order - b.order);
  const columns: ColumnMap = new Map();
  let out = '';
  let pos = 0;
  // Line and column of the end of `out` and of `pos` in the bundle.
  let line = 0;
  let outColumn = 0;
  let inColumn = 0;
  const advance = (text: string, inBundle: boolean) => {
    const lastBreak = text.lastIndexOf('\n');
    if (lastBreak === -1) {
      outColumn += text.length;
      if (inBundle) inColumn += text.length;
      return;
    }
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') line++;
    outColumn = text.length - lastBreak - 1;
    inColumn = inBundle ? outColumn : 0;
  };
  const mark = () => {
    let points = columns.get(line);
    if (points === undefined) columns.set(line, (points = []));
    points.push([outColumn, inColumn]);
  };
  for (const e of edits) {
    if (e.at < pos) throw new Error(`overlapping rewrite at ${e.at}`);
    const kept = code.slice(pos, e.at);
    out += kept;
    advance(kept, true);
    // Replaced text keeps its line breaks, so lines stay where they were.
    const removed = code.slice(e.at, e.end);
    const breaks = removed.split('\n').length - 1;
    if (e.origin !== undefined && !code.slice(Math.min(e.origin, e.at), Math.max(e.origin, e.at)).includes('\n')) {
      let points = columns.get(line);
      if (points === undefined) columns.set(line, (points = []));
      points.push([outColumn, inColumn - (e.at - e.origin), true]);
    }
    out += e.text + '\n'.repeat(breaks);
    if (breaks === 0) {
      outColumn += e.text.length;
      inColumn += removed.length;
    } else {
      line += breaks;
      outColumn = 0;
      inColumn = removed.length - removed.lastIndexOf('\n') - 1;
    }
    mark();
    pos = e.end;
  }
  out += code.slice(pos);
  return { code: out, columns };
}
