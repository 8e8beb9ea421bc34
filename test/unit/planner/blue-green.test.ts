import { describe, expect, it } from 'vitest';
import { blueGreen, type BlueGreenStrategy } from '../../../src/planner/blue-green';
import { validateSpec, type DeploymentSpec } from '../../../src/planner/spec';
import { expectProblems, makeSpec, specDocument } from '../../support/specs';
import { lines, serving } from '../../support/planner';

describe('blue-green plans', () => {
  it('starts green beside blue, previews it, switches on promotion, keeps blue warm, then drains it', () => {
    const spec = { strategy: { type: 'blueGreen', preview: { header: 'X-Preview' }, scaleDownDelay: '30s' } };
    expect(lines(spec, serving(2))).toEqual(
      [
        'prepareRouter',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route v1[0,1]+NEW[0,1] {v1=100} preview=NEW',
        'pause promotion',
        'route v1[0,1]+NEW[0,1] {NEW=100}',
        'pause scaleDownDelay 30000ms',
        'route NEW[0,1] {NEW=100}',
        'stop v1[0,1]',
        'remove v1[0,1]',
      ].map((line) => line.replace('NEW[0,1]', 'NEW[0,1,2]')),
    );
  });

  it('promotes by itself after autoPromoteAfter and switches straight to draining without a scale-down delay', () => {
    expect(lines({ replicas: 1, strategy: { type: 'blueGreen', autoPromoteAfter: '2m', scaleDownDelay: '0s' } }, serving(1))).toEqual([
      'prepareRouter',
      'start NEW[0]',
      'wait NEW[0]',
      'route v1[0]+NEW[0] {v1=100}',
      'pause promotion 120000ms',
      'route v1[0]+NEW[0] {NEW=100}',
      'route NEW[0] {NEW=100}',
      'stop v1[0]',
      'remove v1[0]',
    ]);
  });
});

describe('the blue-green preview header', () => {
  it('needs a secret value: without one any client could reach the release under test', () => {
    const admission = (spec: DeploymentSpec) => blueGreen.admission(spec.strategy as BlueGreenStrategy);
    const open = makeSpec({ strategy: { type: 'blueGreen', preview: { header: 'X-Preview' } } });
    expect(admission(open)?.message).toMatch(/^strategy\.preview\.headerValueFrom: the preview header X-Preview needs a secret value/);
    expect(
      admission(
        makeSpec({ strategy: { type: 'blueGreen', preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW_TOKEN' } } } }),
      ),
    ).toBeUndefined();
    expect(admission(makeSpec({ strategy: { type: 'blueGreen', preview: { listenPort: 18099 } } }))).toBeUndefined();
  });
});

describe('the blue-green schema', () => {
  it('accepts every option', () => {
    const strategy = {
      type: 'blueGreen',
      preview: { listenPort: 18081, header: 'X-Preview' },
      autoPromoteAfter: '5m',
      scaleDownDelay: '30s',
    };
    expect(validateSpec(specDocument({ strategy }))).toMatchObject({ ok: true });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'a preview header with nginx syntax',
      { strategy: { type: 'blueGreen', preview: { header: 'X-A; return 500' } } },
      ['strategy.preview.header: expected a header name like X-Preview'],
    ],
    [
      'a preview on the main port',
      { strategy: { type: 'blueGreen', preview: { listenPort: 18080 } } },
      ['strategy.preview.listenPort: must differ from traffic.listenPort'],
    ],
  ];
  it.each(cases)('refuses %s, naming the field', (_name, overrides, expected) => expectProblems(overrides, expected));
});
