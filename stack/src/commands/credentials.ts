// ./stackctl credentials: how to reach each engine with its own client, with
// the passwords the stack generated for this machine (.stack/credentials.json).
import { credentialsFile } from '@polyglot/contracts/engine-credentials';
import { connectionGuide, requireCredentials } from '../credentials.ts';
import { statePaths } from '../paths.ts';

export const CREDENTIALS_HELP = `  credentials [--json]               how to connect to each engine (psql, cypher-shell, redis-cli, curl) with this
                                     machine's generated passwords (.stack/credentials.json, mode 0600)`;

export function credentialsCommand(flags: { json?: boolean }): number {
  requireCredentials();
  const guide = connectionGuide();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(guide, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `The engines' passwords, generated at the first ./stackctl up, are in ${credentialsFile(statePaths.root)} (mode 0600).`,
    'They are for this machine only: every engine listens on 127.0.0.1 and accepts no well-known password',
    '(Jaeger, which takes none, serves only under a secret path of the same file).',
    '',
  ];
  for (const how of guide) {
    lines.push(`${how.title}`, ...how.commands.map((c) => `  ${c}`), ...(how.note === undefined ? [] : [`  (${how.note})`]), '');
  }
  process.stdout.write(lines.join('\n'));
  return 0;
}
