/**
 * The deployment spec: what a user writes (YAML or JSON) and what the workflow
 * receives. Parsing reports every problem at once, each with its field path,
 * what was expected and what was found. Strings that end up in nginx config or
 * container names are held to grammars that cannot carry config syntax.
 *
 * Pure (zod only), so the workflow re-validates its input in the sandbox. Each strategy owns
 * its own schema (src/planner); planner/spec.ts puts the whole spec together.
 */
import { z } from 'zod';
// The domain types some parts of a spec become; `satisfies` keeps each schema's output assignable to its type.
import { DEADLINE_PHASES, type AnalysisSpec, type ContainerResources, type SecretRef } from '../domain';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration';
import { HOST_NAME_PATTERN } from './names';

// ---------------------------------------------------------------- grammars

/** DNS-label-like: it becomes part of container names and nginx upstream names. */
export const SERVICE_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** The Docker reference grammar (distribution/reference): [domain/]path[:tag][@digest]. */
const alnum = '[a-z0-9]+';
const pathComponent = `${alnum}(?:(?:[._]|__|-+)${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?)`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
export const IMAGE_REFERENCE_PATTERN = new RegExp(`^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::${tag})?(?:@${digest})?$`);

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// No ".." segment: a health path names a resource of the app, never a way out of one (a proxy could resolve it).
const HTTP_PATH_PATTERN = /^(?!(?:.*\/)?\.\.(?:[/?]|$))\/[A-Za-z0-9._~%/-]*(?:\?[A-Za-z0-9._~%&=-]*)?$/;
const HEADER_NAME_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const MEMORY_PATTERN = /^\d+(?:b|k|m|g)$/i;
/** A relative path of plain segments: no "..", no absolute paths, no shell or nginx metacharacters. */
const RELATIVE_PATH_PATTERN = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

export const MAX_REPLICAS = 100;

// ---------------------------------------------------------------- pieces

/** The longest duration any field takes: well inside what a Node timer can hold (24.8 days), which activities use. */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MAX_DURATION_MS = 7 * DAY;

/** A duration with bounds: every field has an upper one, so no value can overflow a timer or stall a loop. */
export const duration = (example: string, { min = 0, max = MAX_DURATION_MS }: { min?: number; max?: number } = {}) =>
  z
    .string({ error: `expected a duration like "${example}"` })
    .regex(DURATION_PATTERN, { error: `expected a duration like "${example}" (units ms, s, m, h)` })
    .transform(parseDuration)
    .refine((ms) => ms >= min && ms <= max, {
      error: min > 0 ? `expected from ${formatDuration(min)} to ${formatDuration(max)}` : `expected at most ${formatDuration(max)}`,
    });

const port = z
  .number({ error: 'expected a TCP port number' })
  .int({ error: 'expected a whole number' })
  .min(1, { error: 'expected a port from 1 to 65535' })
  .max(65535, { error: 'expected a port from 1 to 65535' });

const envName = z.string().regex(ENV_NAME_PATTERN, {
  error: 'expected an environment variable name like DATABASE_URL (letters, digits, _; not starting with a digit)',
});

/** sluice's own settings (Temporal credentials, codec key, Docker access): a worker never gives them to a service. */
export const OWN_SETTING_PATTERN = /^(SLUICE|TEMPORAL|DOCKER)_/;
/** A worker variable a spec may ask for: never one of sluice's own settings. */
const workerEnvName = envName.refine((name) => !OWN_SETTING_PATTERN.test(name), {
  error:
    "names one of sluice's own settings (SLUICE_*, TEMPORAL_*, DOCKER_*), which no service is given: use a variable of the service's own, granted by the worker's SLUICE_ENV_GRANTS",
});

/** A count (1) or a percentage of replicas ("25%"). */
const COUNT_OR_PERCENT = { error: 'expected a count like 1 or a percentage like "25%"' };
export const countOrPercent = z.union(
  [z.number().int(COUNT_OR_PERCENT).min(0, COUNT_OR_PERCENT), z.string().regex(/^(?:100|[1-9]?[0-9])%$/, COUNT_OR_PERCENT)],
  COUNT_OR_PERCENT,
);

const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string (numbers and booleans are converted)' })
  .transform(String)
  .refine((value) => !value.includes('\0'), { error: 'must not contain NUL bytes' });

/** Where the worker finds a secret value: the spec names it, never holds it. */
const secretSourceFields = {
  fromEnv: workerEnvName
    .optional()
    .describe("Worker environment variable holding the value, granted to the service by the worker's SLUICE_ENV_GRANTS."),
  fromFile: z
    .string()
    .regex(RELATIVE_PATH_PATTERN, {
      error:
        'expected a file name in the service\'s secrets directory on the worker (SLUICE_SECRETS_DIR/<service>/), like "db-password": no leading /, no ".."',
    })
    .optional()
    .describe("File holding the value: its name in the service's secrets directory on the worker (SLUICE_SECRETS_DIR/<service>/)."),
};
const EXACTLY_ONE_SOURCE = { error: 'set exactly one of fromEnv or fromFile: the worker resolves the value, the spec never holds it' };
const oneSource = (s: { fromEnv?: string; fromFile?: string }) => (s.fromEnv === undefined) !== (s.fromFile === undefined);

const secretRef = z
  .object({ name: envName.describe('The environment variable the container sees.'), ...secretSourceFields })
  .strict()
  .refine(oneSource, EXACTLY_ONE_SOURCE) satisfies z.ZodType<SecretRef>;

const secretSource = z.object(secretSourceFields).strict().refine(oneSource, EXACTLY_ONE_SOURCE);

const health = z
  .object({
    path: z
      .string()
      .regex(HTTP_PATH_PATTERN, {
        error: 'expected an HTTP path starting with / (letters, digits, . _ ~ % / - and a simple query; no ".." segment)',
      })
      .optional(),
    expectStatus: z.number().int().min(100).max(599).default(200),
    interval: duration('1s', { min: 100, max: 60_000 }).prefault('1s'),
    timeout: duration('1s', { min: 100, max: 60_000 }).prefault('1s'),
    healthyThreshold: z.number().int().min(1).max(100).default(1),
    unhealthyThreshold: z.number().int().min(1).max(100).default(3),
    startPeriod: duration('10s', { max: HOUR }).prefault('10s'),
    useDockerHealthcheck: z.boolean().default(false),
  })
  .strict()
  .refine((h) => h.path !== undefined || h.useDockerHealthcheck, {
    error: 'set health.path (an HTTP readiness endpoint) or health.useDockerHealthcheck: true',
    path: ['path'],
  });

const resources = z
  .object({
    memory: z.string().regex(MEMORY_PATTERN, { error: 'expected a size like "256m" or "1g"' }).optional(),
    cpus: z.number().gt(0, { error: 'expected a positive number of CPUs like 0.5' }).max(256).optional(),
  })
  .strict() satisfies z.ZodType<ContainerResources>;

// ---------------------------------------------------------------- pieces strategies use

/** A second route to the release under test, beside the main one. */
export const previewRoute = z
  .object({
    listenPort: port.optional().describe('A second listener that always routes to the new release.'),
    header: z
      .string()
      .regex(HEADER_NAME_PATTERN, { error: 'expected a header name like X-Preview (letters, digits, -)' })
      .optional()
      .describe('Requests carrying this header with the secret value go to the new release.'),
    headerValueFrom: secretSource
      .optional()
      .describe('Where the worker finds the value the preview header must carry (required with header).'),
  })
  .strict()
  .refine((p) => p.listenPort !== undefined || p.header !== undefined, {
    error: 'set preview.listenPort or preview.header (or leave preview out)',
  });

/** How the release under test is judged from the router's records. */
export const analysis = z
  .object({
    interval: duration('10s', { min: 1000, max: HOUR }).prefault('10s'),
    count: z.number().int().min(1).max(100).default(3),
    maxErrorRate: z.number().min(0).max(1, { error: 'expected a fraction from 0 to 1, like 0.01 for 1%' }).default(0.01),
    maxLatencyP99: duration('500ms', { max: 60_000 }).optional(),
    minRequests: z.number().int().min(0).default(20),
    failureLimit: z.number().int().min(0).default(0),
  })
  .strict() satisfies z.ZodType<AnalysisSpec>;

// ---------------------------------------------------------------- the rest

const progressDeadline = z.union(
  [
    duration('10m', { min: 1000, max: DAY }),
    z
      .object({
        default: duration('10m', { min: 1000, max: DAY }).prefault('10m'),
        ...Object.fromEntries(DEADLINE_PHASES.map((phase) => [phase, duration('2m', { min: 1000, max: DAY }).optional()])),
      })
      .strict(),
  ],
  { error: 'expected a duration like "10m" or an object like { default: "10m", starting: "2m" }' },
);

const migrations = z
  .object({
    directory: z
      .string()
      .regex(RELATIVE_PATH_PATTERN, { error: 'expected a relative directory like "migrations" (no "..", no leading /)' }),
    databaseUrlEnv: workerEnvName
      .default('DATABASE_URL')
      .describe("Worker environment variable holding the database URL, granted to the service by the worker's SLUICE_ENV_GRANTS."),
    contract: z.enum(['onPromote', 'auto'], { error: 'expected "onPromote" (wait for sluice promote) or "auto"' }).default('onPromote'),
    lockTimeout: duration('2s', { min: 1, max: 10 * 60_000 }).prefault('2s'),
    statementTimeout: duration('60s', { min: 1, max: DAY }).prefault('60s'),
  })
  .strict();

const traffic = z
  .object({
    listenPort: port.describe('Where nginx listens for this service on the router host.'),
    extraListenPorts: z
      .array(port)
      .max(4, { error: 'expected at most 4 extra ports' })
      .default([])
      .describe('More ports nginx serves the same traffic on: how a service moves to a new listenPort without cutting its clients.'),
    drainTimeout: duration('30s', { max: HOUR }).prefault('30s'),
  })
  .strict();

export const MAX_HOSTS = 50;

/** The Docker hosts a deployment runs on, each served by a worker started with SLUICE_HOST=<name>. */
const hosts = z
  .array(
    z.string({ error: 'expected a host name' }).regex(HOST_NAME_PATTERN, {
      error: 'expected a host name like web-1 (lowercase letters, digits and "-"), as its worker\'s SLUICE_HOST',
    }),
  )
  .min(1, { error: 'name at least one host, or leave hosts out for the single host' })
  .max(MAX_HOSTS, { error: `expected at most ${MAX_HOSTS} hosts` })
  .describe('The Docker hosts to deploy to, each served by a worker started with SLUICE_HOST=<name> (absent: the single host).');

/** What a fleet does when a host fails (Swarm's update failure action), and when one is lost. */
export const FLEET_FAILURE_ACTIONS = ['rollback', 'pause'] as const;
export const HOST_LOST_ACTIONS = ['rollback', 'continue'] as const;

/** How the hosts of a fleet are taken (docs/fleet.md). */
export const fleetSettingsSchema = z
  .object({
    hostsAtOnce: countOrPercent
      .default(1)
      .describe(
        'How many hosts a wave of a rolling or recreate deployment takes (a count, or a percentage of the hosts rounded down, at least 1).',
      ),
    minHealthyHosts: countOrPercent
      .optional()
      .describe(
        'How many hosts must keep serving, untouched or ready, while a wave changes (a count, or a percentage rounded up; absent: all but hostsAtOnce; waves only).',
      ),
    pauseBetweenWaves: z
      .union([z.literal('promote'), duration('30s', { max: DAY })], {
        error: 'expected a duration like "30s", or "promote" to wait for sluice promote between waves',
      })
      .prefault('0s')
      .describe('A wait between two waves: a duration, or "promote" (a gate that `sluice promote` answers).'),
    onFailure: z
      .enum(FLEET_FAILURE_ACTIONS, { error: 'expected "rollback" or "pause"' })
      .default('rollback')
      .describe(
        'When a host fails: roll every host back, or pause (hosts stay as they are; `sluice promote` retries the failed hosts and goes on, `sluice abort` rolls back). Waves only.',
      ),
    onHostLost: z
      .enum(HOST_LOST_ACTIONS, { error: 'expected "rollback" or "continue"' })
      .default('rollback')
      .describe(
        'When a host is lost (its worker takes no work for hostLostAfter): roll every host back, or continue on the others while minHealthyHosts hold.',
      ),
    hostLostAfter: duration('1m', { min: 1000, max: DAY })
      .prefault('1m')
      .describe("How long a host's work may wait for its worker before the host is lost."),
  })
  .strict();

/** When the worker pulls the image: Docker's and Kubernetes' policies (absent: always for :latest or no tag, else missing). */
export const PULL_POLICIES = ['always', 'missing', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

/**
 * The whole spec, around the strategy schema the planner composes from its strategies (each
 * strategy owns its schema): the shape is written once, here, in the order people read it.
 */
export function specSchemaWith<S extends z.ZodType>(strategy: S) {
  return z
    .object({
      service: z.string({ error: 'expected a service name' }).regex(SERVICE_NAME_PATTERN, {
        error:
          'expected a lowercase name of letters, digits and "-", starting with a letter, at most 40 characters (it becomes part of container and nginx names)',
      }),
      image: z.string({ error: 'expected an image reference' }).max(255).regex(IMAGE_REFERENCE_PATTERN, {
        error: 'expected a Docker image reference like "registry.example.com/team/app:v2" or "app@sha256:…"',
      }),
      pull: z
        .enum(PULL_POLICIES, { error: 'expected "always", "missing" or "never"' })
        .optional()
        .describe('When the worker pulls the image; absent: always for :latest or an untagged image, missing otherwise.'),
      replicas: z
        .number({ error: 'expected a number of replicas' })
        .int({ error: 'expected a whole number' })
        .min(1, { error: 'expected at least 1 replica' })
        .max(MAX_REPLICAS, { error: `expected at most ${MAX_REPLICAS} replicas (every replica is a container on one host)` }),
      port: port.describe('The port the app listens on inside the container.'),
      env: z.record(envName, envValue).default({}),
      secrets: z.array(secretRef).max(100).default([]),
      command: z
        .array(z.string().refine((arg) => !arg.includes('\0'), { error: 'must not contain NUL bytes' }))
        .max(64)
        .optional(),
      resources: resources.optional(),
      stopGracePeriod: duration('10s', { max: 10 * 60_000 }).prefault('10s'),
      health,
      strategy,
      progressDeadline: progressDeadline.prefault('10m'),
      migrations: migrations.optional(),
      traffic,
      hosts: hosts.optional(),
      fleet: fleetSettingsSchema.optional(),
    })
    .strict()
    .superRefine((spec, ctx) => {
      spec.hosts?.forEach((host, index) => {
        if (spec.hosts!.indexOf(host) !== index)
          ctx.addIssue({ code: 'custom', path: ['hosts', index], message: `${host} is listed twice`, input: host });
      });
      if (spec.fleet && !spec.hosts)
        ctx.addIssue({
          code: 'custom',
          path: ['fleet'],
          message: 'fleet settings need hosts: name the hosts, or leave fleet out',
          input: spec.fleet,
        });
      const names = new Set<string>();
      spec.secrets.forEach((secret, index) => {
        if (names.has(secret.name) || secret.name in spec.env) {
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', index, 'name'],
            message: `"${secret.name}" is set twice (in env or another secret)`,
            input: secret.name,
          });
        }
        names.add(secret.name);
      });
      spec.traffic.extraListenPorts.forEach((extra, index) => {
        if (extra === spec.traffic.listenPort || spec.traffic.extraListenPorts.indexOf(extra) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: ['traffic', 'extraListenPorts', index],
            message: 'is listed twice (or is traffic.listenPort)',
            input: extra,
          });
        }
      });
    });
}

/** The parts of a spec the activities take on their own. */
export type HealthSpec = z.output<typeof health>;
export type MigrationsSpec = z.output<typeof migrations>;
export type SecretSource = z.output<typeof secretSource>;
export type Preview = z.output<typeof previewRoute>;
export type FleetSpec = z.output<typeof fleetSettingsSchema>;
/** Every field of a spec but the strategy: what a strategy sees of the rest of the spec. */
export type SpecFields = Omit<z.output<ReturnType<typeof specSchemaWith<z.ZodUnknown>>>, 'strategy'>;

// ---------------------------------------------------------------- results

export interface SpecProblem {
  /** Dotted field path, e.g. "strategy.steps[2].setWeight"; "(spec)" for the document itself. */
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(spec)';
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
}

function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Turns zod issues into one line per problem: field path, what was expected, what was found. */
function problemsFrom(issues: z.core.$ZodIssue[], input: unknown): SpecProblem[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = formatPath(issue.path);
      return {
        path: issue.keys.map((key) => (where === '(spec)' ? key : `${where}.${key}`)).join(', '),
        message: 'unknown field (check the spelling against docs/spec.md)',
      };
    }
    if (issue.code === 'invalid_key') {
      return {
        path: formatPath(issue.path),
        message: 'not a valid environment variable name (letters, digits and _, not starting with a digit)',
      };
    }
    const found = valueAt(input, issue.path);
    const message = issue.message.replace(/^Invalid input: /, '');
    return {
      path: formatPath(issue.path),
      message:
        found === undefined && issue.code === 'invalid_type'
          ? `${message}; the field is required`
          : `${message} (found ${describeFound(found)})`,
    };
  });
}

/** Parses an already-parsed document (the output of YAML/JSON parsing) with `schema`, reporting every problem. */
export function parseDocument<T>(schema: z.ZodType<T>, input: unknown): { ok: true; value: T } | { ok: false; problems: SpecProblem[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      problems: [{ path: '(spec)', message: `expected a mapping of fields like "service: web" (found ${describeFound(input)})` }],
    };
  }
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: problemsFrom(result.error.issues, input) };
}

export function describeProblems(problems: SpecProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
