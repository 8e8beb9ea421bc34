import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../../src/client/spec-file';

const valid = `service: web
image: app:v2
replicas: 2
port: 8080
health: { path: /ready }
strategy: { type: rolling }
traffic: { listenPort: 8000 }
`;

const firstProblem = (text: string) => {
  const result = parseSpecText(text);
  if (result.ok) throw new Error('expected problems');
  return `${result.problems[0]!.path}: ${result.problems[0]!.message}`;
};

describe('spec files', () => {
  it('reads YAML and JSON alike', () => {
    expect(parseSpecText(valid)).toMatchObject({ ok: true, spec: { service: 'web', replicas: 2 } });
    expect(
      parseSpecText(
        JSON.stringify({
          service: 'web',
          image: 'app:v2',
          replicas: 2,
          port: 8080,
          health: { path: '/ready' },
          strategy: { type: 'rolling' },
          traffic: { listenPort: 8000 },
        }),
      ),
    ).toMatchObject({ ok: true });
  });

  it.each([
    ['an empty file', '   \n', '(spec): the file is empty'],
    ['binary garbage', '\u0000\u0001\u0002ELF', '(spec): the file is not text'],
    ['a duplicate key', `${valid}replicas: 3\n`, '(spec): not valid YAML: Map keys must be unique'],
    ['broken YAML with its position', 'service: [web\n', '(spec): not valid YAML:'],
    [
      'aliases that expand without bound',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`,
      'aliases that expand without bound are refused',
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(firstProblem(text)).toContain(message);
  });

  it('passes valid YAML on to validation, which names the fields', () => {
    expect(firstProblem(valid.replace('replicas: 2', 'replicas: -2'))).toBe('replicas: expected at least 1 replica (found -2)');
  });
});
