/**
 * Command line: `temporal-devserver <port> [--enable-time-skipping]` (the test server's contract;
 * time skipping is on in this form)
 * or `temporal-devserver server start-dev --port P [--namespace N] [--ip I]
 * [--search-attribute Name=Type]... [--persist postgres://... [--persist-schema S]] [--ui-port P]
 * [--ui-ip I] [--ui-assets DIR] [--headless] [--retention D]` (the dev server's), ignoring options
 * it does not need. `--persist` keeps the server's state in Postgres. `--retention` (`72h`, `7d`,
 * `1h30m`) sets how long the namespaces it registers keep closed runs. Any `--ui-*` option turns on Temporal UI
 * and its HTTP API; `--headless` keeps them off whatever else is given.
 */
import { startDevServer, type DevServerOptions } from './server';
import { isSearchAttributeType, SEARCH_ATTRIBUTE_TYPES } from './searchAttributes';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A positive duration as Temporal's CLI writes one (`90s`, `72h`, `1h30m`), days (`7d`) allowed. */
export function parseDuration(text: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g)! : [];
  const ms = parts.reduce((sum, part) => {
    const [, amount, unit] = /^([\d.]+)(\w+)$/.exec(part)!;
    return sum + Number(amount) * UNIT_MS[unit];
  }, 0);
  if (!(ms >= 1) || !Number.isSafeInteger(Math.round(ms)))
    throw new Error(`--retention expects a positive duration such as 72h, 7d or 1h30m, not ${JSON.stringify(text)}`);
  return Math.round(ms);
}

export function parseArgs(argv: string[]): DevServerOptions {
  const options: DevServerOptions = { namespaces: [], searchAttributes: {} };
  const args = [...argv];
  let headless = false;
  const ui = (): NonNullable<DevServerOptions['ui']> => (options.ui ??= {});
  if (args[0] === 'server' && args[1] === 'start-dev') args.splice(0, 2);
  else if (args[0] && /^\d+$/.test(args[0])) {
    // The test server's form: its TestService and time skipping are always on.
    options.port = Number(args.shift());
    options.timeSkipping = true;
  }
  while (args.length) {
    const arg = args.shift()!;
    const [flag, inline] =
      arg.includes('=') && arg.startsWith('--')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--enable-time-skipping':
        options.timeSkipping = true;
        break;
      case '--port':
      case '-p':
        options.port = Number(value());
        if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
          throw new Error(`invalid port ${options.port}`);
        break;
      case '--ip':
        options.host = value();
        break;
      case '--namespace':
      case '-n':
        options.namespaces!.push(value());
        break;
      case '--search-attribute': {
        const [name, type] = value().split('=');
        if (!name || !isSearchAttributeType(type))
          throw new Error(
            `--search-attribute expects Name=Type with Type one of ${Object.keys(SEARCH_ATTRIBUTE_TYPES).join(', ')}`,
          );
        options.searchAttributes![name] = type;
        break;
      }
      case '--persist': {
        const url = value();
        if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('--persist expects a postgres:// URL');
        options.persist = { ...options.persist, url };
        break;
      }
      case '--persist-schema':
        options.persist = { url: options.persist?.url ?? '', schema: value() };
        break;
      case '--headless':
        headless = true;
        break;
      case '--retention':
        options.namespaceRetentionMs = parseDuration(value());
        break;
      case '--ui-port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid UI port ${port}`);
        ui().port = port;
        break;
      }
      case '--ui-ip':
        ui().host = value();
        break;
      case '--ui-assets':
        ui().assetsDir = value();
        break;
      default:
        // Options of the real CLI that have no meaning here (log format, UI port, dynamic config...).
        if (flag.startsWith('--') && inline === undefined && args[0] !== undefined && !args[0].startsWith('--'))
          args.shift();
        break;
    }
  }
  if (headless) delete options.ui;
  return options;
}

export async function main(argv: string[]): Promise<void> {
  let options: DevServerOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`temporal-devserver: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (options.persist && !options.persist.url) {
    process.stderr.write('temporal-devserver: --persist-schema needs --persist postgres://...\n');
    process.exit(2);
  }
  const started = Date.now();
  // The process is the server's: it may give the memory its traffic freed back to the system.
  const server = await startDevServer({ ...options, releaseFreedMemory: true });
  process.stdout.write(
    `temporal-devserver listening on ${server.address}${options.timeSkipping ? ' (time skipping)' : ''} in ${Date.now() - started} ms, keeping its data in ${server.storeLocation}\n`,
  );
  if (server.uiUrl) process.stdout.write(`Temporal UI and its HTTP API on ${server.uiUrl}\n`);
  const shutdown = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) void main(process.argv.slice(2));
