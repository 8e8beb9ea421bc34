import type { Command } from 'commander';
import net from 'node:net';
import type { LogLevel } from '@temporalio/worker';
import { workerConfig } from '../../worker/config';
import { installRuntime, runWorker } from '../../worker/run';
import { invalidInput } from '../errors';
import { examples, type Wrap } from './verb';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function registerWorker(program: Command, wrap: Wrap): void {
  program
    .command('worker')
    .description('run a sluice worker (settings from the environment: see README, "Running sluice in production")')
    .option('--metrics-port <port>', 'Prometheus metrics on this port (/metrics); 0 disables', process.env.SLUICE_METRICS_PORT ?? '9464')
    .option(
      '--metrics-address <address>',
      'the address the metrics endpoint binds (0.0.0.0 for a scraper on another host)',
      process.env.SLUICE_METRICS_ADDRESS ?? '127.0.0.1',
    )
    .option('--log-format <format>', 'json (one object per line) or text', process.env.SLUICE_LOG_FORMAT ?? 'json')
    .option('--log-level <level>', LEVELS.join(', '), process.env.SLUICE_LOG_LEVEL ?? 'INFO')
    .addHelpText(
      'after',
      examples(
        'sluice worker --metrics-port 9464 --log-format json',
        'sluice worker --log-format text --log-level DEBUG   # with TEMPORAL_ADDRESS, SLUICE_NGINX_CONF_DIR, ... set',
      ),
    )
    .action(
      wrap(async (context, options: { metricsPort: string; metricsAddress: string; logFormat: string; logLevel: string }) => {
        const metricsPort = Number(options.metricsPort);
        if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
          throw invalidInput('--metrics-port: expected a port from 0 to 65535');
        if (options.logFormat !== 'json' && options.logFormat !== 'text') throw invalidInput('--log-format: expected json or text');
        const level = options.logLevel.toUpperCase();
        if (!LEVELS.includes(level)) throw invalidInput(`--log-level: expected one of ${LEVELS.join(', ')}`);
        // A wrong setting is a SettingError: exit 2, naming the variable.
        const config = { ...workerConfig(context.env), temporal: context.settings, taskQueue: context.taskQueue };
        if (net.isIP(options.metricsAddress) === 0)
          throw invalidInput('--metrics-address: expected an IP address like 127.0.0.1 (or 0.0.0.0 for every interface)');
        installRuntime({ logLevel: level as LogLevel, logFormat: options.logFormat, metricsPort, metricsAddress: options.metricsAddress });
        await runWorker(config);
      }),
    );
}
