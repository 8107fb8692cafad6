// Writes reporter/result.schema.json from the zod schema (`npm run schema`); a test fails when the
// committed file is stale.
import { fileURLToPath } from 'node:url';
import { resultJsonSchema } from './schema.ts';
import { writeFileAtomic } from './write.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('./result.schema.json', import.meta.url));

export const schemaText = (): string => JSON.stringify(resultJsonSchema(), null, 2) + '\n';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFileAtomic(SCHEMA_FILE, schemaText(), true);
  process.stdout.write(`${SCHEMA_FILE}\n`);
}
