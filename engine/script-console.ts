// While a script runs, its console output and stray errors go to stderr in k6's log format
// (`INFO[0003] text  source=console`), so stdout carries only the summary, and an unhandled
// rejection in a script logs instead of killing the process.
import { Console } from 'node:console';
import { format } from 'node:util';
import { errorLine } from './late-errors.ts';

type Level = 'INFO' | 'WARN' | 'ERRO' | 'DEBU';

export function captureScriptOutput(write: (text: string) => void, elapsedMs: () => number, opts: { verbose?: boolean } = {}): () => void {
  const original = globalThis.console;
  const line = (level: Level, args: unknown[], source = 'console') => {
    const at = String(Math.floor(elapsedMs() / 1000)).padStart(4, '0');
    write(`${level}[${at}] ${format(...args)}  source=${source}\n`);
  };
  const scriptConsole = new Console({ stdout: process.stderr, stderr: process.stderr });
  scriptConsole.log = (...args: unknown[]) => line('INFO', args);
  scriptConsole.info = (...args: unknown[]) => line('INFO', args);
  scriptConsole.warn = (...args: unknown[]) => line('WARN', args);
  scriptConsole.error = (...args: unknown[]) => line('ERRO', args);
  // k6 prints console.debug only with --verbose.
  scriptConsole.debug = opts.verbose ? (...args: unknown[]) => line('DEBU' as Level, args) : () => {};
  globalThis.console = scriptConsole;

  // One line each, as k6 logs them (a stack per stray rejection would bury everything else).
  const onRejection = (reason: unknown) => write(errorLine('rejection', reason, elapsedMs()));
  const onException = (error: Error) => write(errorLine('exception', error, elapsedMs()));
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    globalThis.console = original;
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
