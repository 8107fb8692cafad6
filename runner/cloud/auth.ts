// Are Grafana Cloud k6 credentials available, and where from? k6 reads the token and stack from
// K6_CLOUD_TOKEN / K6_CLOUD_STACK_ID (or K6_CLOUD_STACK_URL), else from what `k6 cloud login`
// saved in its config file: K6_CONFIG when set, else <user config dir>/k6/config.json with
// { "collectors": { "cloud": { "token", "stackID", "stackURL" } } } (k6's cmd/state and
// internal/cmd/cloud_login.go). We only check presence; the token is never read into output.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../lib/cli.ts';

export interface CloudCredentials {
  token: 'env' | 'config' | 'asserted';
  stack: 'env' | 'config' | 'asserted';
  configPath: string;
}

/** Go's os.UserConfigDir, which k6 uses for its config file. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return join(env.HOME ?? homedir(), 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), '.config');
}

export function k6ConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return env.K6_CONFIG || join(userConfigDir(env, platform), 'k6', 'config.json');
}

function savedLogin(path: string): { token: boolean; stack: boolean } {
  try {
    const config = JSON.parse(readFileSync(path, 'utf8')) as { collectors?: { cloud?: Record<string, unknown> } };
    const cloud = config.collectors?.cloud ?? {};
    return { token: Boolean(cloud.token), stack: Boolean(cloud.stackID || cloud.stackURL) };
  } catch {
    return { token: false, stack: false };
  }
}

/**
 * Finds the credentials k6 will use, or throws one clear message before anything runs.
 * `assumeLoggedIn` (--logged-in) skips the check for set-ups this cannot see (e.g. a k6 --config).
 */
export function requireCloudCredentials(env: NodeJS.ProcessEnv = process.env, assumeLoggedIn = false): CloudCredentials {
  const configPath = k6ConfigPath(env);
  if (assumeLoggedIn) return { token: 'asserted', stack: 'asserted', configPath };
  const saved = savedLogin(configPath);
  const token = env.K6_CLOUD_TOKEN ? 'env' : saved.token ? 'config' : null;
  const stack = env.K6_CLOUD_STACK_ID || env.K6_CLOUD_STACK_URL ? 'env' : saved.stack ? 'config' : null;
  if (token && stack) return { token, stack, configPath };
  const missing = [!token && 'an API token (K6_CLOUD_TOKEN)', !stack && 'a stack (K6_CLOUD_STACK_ID)'].filter(Boolean).join(' and ');
  throw new UsageError(
    `Grafana Cloud k6 needs ${missing}: export K6_CLOUD_TOKEN=<token> K6_CLOUD_STACK_ID=<stack id>, ` +
      `or run 'k6 cloud login --token <token> --stack <stack>' once (saved in ${configPath}); ` +
      `tokens are under Testing & synthetics > Performance > Settings in Grafana Cloud; --logged-in skips this check`,
  );
}
