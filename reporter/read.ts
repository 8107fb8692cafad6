// Reading input files: JSON parse errors and conversion errors become one line naming the file.
import { readFile } from 'node:fs/promises';
import { InputError, resultFromSummary, type Conversion, type ResultMeta } from './from-summary.ts';

/** A file that cannot be used: the message names the file (and the JSON path when known). */
export class InputFileError extends Error {
  override name = 'InputFileError';
}

export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Reads any supported input file and converts it to a result. */
export async function loadResult(file: string, meta: ResultMeta = {}): Promise<Conversion> {
  const json = await readJsonFile(file);
  try {
    return resultFromSummary(json, { sourceFile: file, ...meta });
  } catch (error) {
    if (error instanceof InputError) throw new InputFileError(error.inFile(file));
    throw error;
  }
}
