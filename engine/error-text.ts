// How an error of the script or of the engine's own deadlines is written in a log line.
import { ScriptError } from './script/bundle.ts';
import { mapStack } from './script/source-map.ts';

/** setup()/teardown() past their timeout (k6 exit codes 100/101). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function errorText(err: unknown): string {
  // Where the engine's timer fired says nothing about the script.
  if (err instanceof TimeoutError) return err.message;
  if (err instanceof ScriptError) return err.message;
  if (err instanceof Error) return err.stack === undefined ? `${err.name}: ${err.message}` : mapStack(err.stack);
  return String(err);
}
