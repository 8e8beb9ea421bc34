import type { Command } from 'commander';
import { codecFromEnv } from '../../codec/aes-gcm';
import { createCodecServer } from '../../codec/server';
import { invalidInput } from '../errors';
import { examples, type Wrap } from './verb';

export function registerCodecServer(program: Command, wrap: Wrap): void {
  program
    .command('codec-server')
    .description(
      'serve /decode and /encode so the Temporal Web UI shows encrypted payloads to authorized users (SLUICE_CODEC_KEY, SLUICE_CODEC_SERVER_TOKEN)',
    )
    .option('--port <port>', 'port to listen on', '8888')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--origin <url...>', 'Web UI origins allowed by CORS', ['http://localhost:8233', 'http://127.0.0.1:8233'])
    .option('--allowed-host <name...>', 'names clients reach this server by, besides localhost (behind a proxy: its public name)', [])
    .option(
      '--without-token',
      'serve without SLUICE_CODEC_SERVER_TOKEN: clients on this host only, and never behind a proxy (one that adds no Forwarded header cannot be told apart)',
    )
    .addHelpText(
      'after',
      examples(
        'sluice codec-server --port 8888 --origin https://temporal.example.com   # with SLUICE_CODEC_KEY and SLUICE_CODEC_SERVER_TOKEN set',
      ),
    )
    .action(
      wrap(async (context, options: { port: string; host: string; origin: string[]; allowedHost: string[]; withoutToken?: boolean }) => {
        const codec = codecFromEnv(context.env);
        if (!codec) throw invalidInput('no codec key: set SLUICE_CODEC_KEY (or SLUICE_CODEC_KEY_FILE) to the key the workers use');
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidInput('--port: expected a port from 1 to 65535');
        const token = context.env.SLUICE_CODEC_SERVER_TOKEN || undefined;
        if (!token && !options.withoutToken)
          throw invalidInput(
            'no SLUICE_CODEC_SERVER_TOKEN: set one (callers send Authorization: Bearer <token>), or pass --without-token to serve only clients on this host, never behind a proxy',
          );
        const server = createCodecServer(codec, { token, origins: options.origin, hosts: options.allowedHost });
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, options.host, resolve));
        context.out.say(
          `codec server on http://${options.host}:${port} (${token ? 'bearer token required' : 'no token: clients on this host only, never behind a proxy'}), CORS for ${options.origin.join(', ')}`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        server.close();
      }),
    );
}
