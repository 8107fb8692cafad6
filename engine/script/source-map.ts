// Stack traces in the user's terms. VUs evaluate the esbuild bundle of the script from a string
// (node:vm), where Node applies no source map (not even with --enable-source-maps), so a frame
// would name the bundle's line and column. The engine keeps each bundle's map in memory and
// rewrites a stack's text when it renders an error, as k6 does with its own maps: the file
// (`file:///.../lib.js`), line and column of the user's source.
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleUrl } from './compiled.ts';
import { bundleColumn, type ColumnMap } from './column-map.ts';

interface BundleMap {
  payload: SourceMapPayload;
  map: SourceMap | null;
  /** The bundle was rewritten for event-loop VUs (coroutines.ts): where its columns went. */
  columns: ColumnMap | null;
}

// By the bundle's URL (the name its frames carry). Errors outlive the run (late errors), so the
// maps stay until the process ends: one per script run.
const maps = new Map<string, BundleMap>();

/**
 * Keeps the map of the bundle evaluated as `bundleUrl(scriptPath)`. `mapJson` is esbuild's map for
 * an output file beside the script: its sources are relative to the script's directory, or
 * `remote:<url>` for remote modules.
 */
export function rememberSourceMap(scriptPath: string, mapJson: string, columns: ColumnMap | null = null): void {
  const payload = JSON.parse(mapJson) as SourceMapPayload;
  const base = pathToFileURL(`${dirname(scriptPath)}/`);
  payload.sources = payload.sources.map((s) => (s.startsWith('remote:') ? s.slice('remote:'.length) : new URL(s, base).href));
  maps.set(bundleUrl(scriptPath), { payload, map: null, columns });
}

const FRAME_AT = /^\s+at /;
/**
 * Frames of a rewritten script's machinery: a generator's resume (`at f.next (<anonymous>)`) and the
 * runtime that steps through them (engine/coroutines.ts). k6 shows no such frames.
 */
const RESUME_FRAME = /^\s+at (?:(?:[\w$.]+\.)?next \(<anonymous>\)|.*[/\\]engine[/\\]coroutines\.ts:\d+:\d+\)?)$/;

/**
 * The stack text with every position in a known bundle replaced by its place in the source, and
 * without the engine's own frames below the script's outermost one (the VU machinery that called
 * the script means nothing to its author; k6 shows none). Text without known positions is
 * returned as it was.
 */
export function mapStack(text: string): string {
  if (maps.size === 0) return text;
  let mapped = false;
  let lastScriptFrame = -1;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!FRAME_AT.test(line)) return;
    for (const [url, entry] of maps) {
      if (!line.includes(url)) continue;
      const out = line.replace(new RegExp(`${escape(url)}:(\\d+):(\\d+)`, 'g'), (whole, l: string, c: string) => originalPosition(entry, Number(l), Number(c)) ?? whole);
      if (out !== line) {
        lines[i] = out;
        mapped = true;
        lastScriptFrame = i;
      }
    }
  });
  if (!mapped) return text;
  return lines.filter((line, i) => (i <= lastScriptFrame || !FRAME_AT.test(line)) && !RESUME_FRAME.test(line)).join('\n');
}

/** "file:///dir/lib.js:3:9" for a 1-based line and column of the bundle, or null when unmapped. */
function originalPosition(entry: BundleMap, line: number, column: number): string | null {
  entry.map ??= new SourceMap(entry.payload);
  const bundleColumn0 = entry.columns === null ? column - 1 : bundleColumn(entry.columns, line - 1, column - 1);
  const found = entry.map.findEntry(line - 1, bundleColumn0) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number }>;
  // An entry from an earlier line belongs to other code (esbuild's helpers have no mapping).
  if (found.originalSource === undefined || found.generatedLine !== line - 1) return null;
  return `${found.originalSource}:${found.originalLine! + 1}:${found.originalColumn! + 1}`;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The source file of the outermost script frame in `stack` (as `file:///...` or `https://...`),
 * or null when no frame is in a known bundle. k6's open() resolves against it: during the init
 * code that is the module whose top level is running.
 */
export function outermostScriptFile(stack: string): string | null {
  let file: string | null = null;
  for (const line of stack.split('\n')) {
    if (!FRAME_AT.test(line)) continue;
    for (const [url, entry] of maps) {
      const m = new RegExp(`${escape(url)}:(\\d+):(\\d+)`).exec(line);
      if (m === null) continue;
      const at = originalPosition(entry, Number(m[1]), Number(m[2]));
      if (at !== null) file = at.replace(/:\d+:\d+$/, '');
    }
  }
  return file;
}

