// While a script runs, its console output and stray errors go to stderr in k6's log format
// (`INFO[0003] text  source=console`), so stdout carries only the summary, and an unhandled
// rejection in a script logs instead of killing the process.
import { Console } from 'node:console';
import { consoleText } from './modules/pure.ts';
import { errorLine } from './late-errors.ts';

type Level = 'INFO' | 'WARN' | 'ERRO' | 'DEBU';

/** Where the engine's own log lines go while a script's output is captured (null: plain stderr). */
let engineLine: ((level: Level, text: string) => void) | null = null;

/**
 * A line of the engine's own, in k6's form: `WARN[0003] Request Failed   error="..."` (the
 * message padded as logrus pads it, then the fields, values quoted as Go quotes them).
 */
export function engineLog(level: Level, message: string, fields: Record<string, string> = {}): void {
  const keys = Object.keys(fields);
  const text = keys.length === 0 ? message : `${message.padEnd(44)} ${keys.map((k) => `${k}=${JSON.stringify(fields[k])}`).join(' ')}`;
  if (engineLine !== null) engineLine(level, text);
  else process.stderr.write(`${level}[0000] ${text}\n`);
}

export function captureScriptOutput(write: (text: string) => void, elapsedMs: () => number, opts: { verbose?: boolean } = {}): () => void {
  const original = globalThis.console;
  const line = (level: Level, args: unknown[], source = 'console') => {
    const at = String(Math.floor(elapsedMs() / 1000)).padStart(4, '0');
    write(`${level}[${at}] ${consoleText(args)}  source=${source}\n`);
  };
  const scriptConsole = new Console({ stdout: process.stderr, stderr: process.stderr });
  scriptConsole.log = (...args: unknown[]) => line('INFO', args);
  scriptConsole.info = (...args: unknown[]) => line('INFO', args);
  scriptConsole.warn = (...args: unknown[]) => line('WARN', args);
  scriptConsole.error = (...args: unknown[]) => line('ERRO', args);
  // k6 prints console.debug only with --verbose.
  scriptConsole.debug = opts.verbose ? (...args: unknown[]) => line('DEBU' as Level, args) : () => {};
  globalThis.console = scriptConsole;
  engineLine = (level, text) => write(`${level}[${String(Math.floor(elapsedMs() / 1000)).padStart(4, '0')}] ${text}\n`);

  // One line each, as k6 logs them (a stack per stray rejection would bury everything else).
  const onRejection = (reason: unknown) => write(errorLine('rejection', reason, elapsedMs()));
  const onException = (error: Error) => write(errorLine('exception', error, elapsedMs()));
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    globalThis.console = original;
    engineLine = null;
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
