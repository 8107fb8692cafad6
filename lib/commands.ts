// Subcommand table of the `llmux-bench` binary. Each part owns its command module and exports
// `main(argv): Promise<number>` (the exit code); modules load lazily so `mock` does not pay for `bench`.
import { dropOutputWhenClosed } from './closed-output.ts';

type Main = (argv: string[]) => Promise<number>;

interface Subcommand {
  summary: string;
  load: () => Promise<{ main: Main }>;
}

export const subcommands: Record<string, Subcommand> = {
  mock: { summary: 'run the mock OpenAI/Anthropic-compatible LLM server', load: () => import('../mock/cli.ts') },
  engine: { summary: 'run a k6 script with the embedded engine (engine run script.js)', load: () => import('../engine/cli.ts') },
  bench: { summary: 'one-key benchmark: mock, baseline, target, results', load: () => import('../runner/cli.ts') },
  report: { summary: 'turn a k6 summary into an LLMux result file', load: () => import('../reporter/report-cli.ts') },
  compare: { summary: 'compare LLMux result files (table, md, json, html)', load: () => import('../reporter/compare-cli.ts') },
  parity: { summary: 'run one scenario under real k6 and the embedded engine, diff them', load: () => import('../runner/parity/cli.ts') },
  cloud: { summary: 'run or upload a scenario on Grafana Cloud k6', load: () => import('../runner/cloud/cli.ts') },
};

export function topUsage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  const lines = Object.entries(subcommands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return ['Usage: llmux-bench <command> [flags]', '', 'Commands:', ...lines, '', "Run 'llmux-bench <command> --help' for a command's flags."].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  dropOutputWhenClosed();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topUsage() + '\n');
    return name ? 0 : 2;
  }
  const command = subcommands[name];
  if (!command) {
    process.stderr.write(`llmux-bench: unknown command '${name}'\n${topUsage()}\n`);
    return 2;
  }
  const module = await command.load();
  return module.main(rest);
}
