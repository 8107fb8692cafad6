// Runs engine/index.ts runScript() in a plain Node process for engine/index.test.ts:
//   node --import tsx engine/testdata/run-script.ts <script> '<options JSON>' [abortAfterMs]
// Prints {"exitCode","iterations","stdout"} and must then exit by itself (no leaked handles).
import { runScript } from '../index.ts';

const [script, json, abortAfter] = process.argv.slice(2);
const controller = new AbortController();
if (abortAfter) setTimeout(() => controller.abort(), Number(abortAfter)).unref();
let stdout = '';
const result = await runScript(script, { ...JSON.parse(json), signal: controller.signal, stdout: (t) => (stdout += t), stderr: () => undefined });
process.stdout.write(`${JSON.stringify({ exitCode: result.exitCode, iterations: result.summary?.metrics.iterations?.values.count ?? null, stdout })}\n`);
