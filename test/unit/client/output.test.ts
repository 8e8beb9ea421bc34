import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../src/client/output';

function streams() {
  const written = { stdout: '', stderr: '' };
  const sink = (name: keyof typeof written) =>
    new Writable({ write: (chunk: Buffer, _encoding, done) => ((written[name] += chunk.toString()), done()) });
  return { written, stdout: sink('stdout'), stderr: sink('stderr') };
}

describe('createOutput', () => {
  it('for people: lines on stdout, the human rendering of a result, errors on stderr prefixed with sluice:', () => {
    const { written, stdout, stderr } = streams();
    const out = createOutput(false, stdout, stderr);
    out.say('deploying web');
    out.result({ ok: true }, 'web: released');
    out.result({ ignored: true });
    out.error('no deployment of web found', { type: 'x' });
    expect(out.json).toBe(false);
    expect(written).toEqual({ stdout: 'deploying web\nweb: released\n', stderr: 'sluice: no deployment of web found\n' });
  });

  it('for machines: only the result, as one JSON document on stdout; errors too, with their details', () => {
    const { written, stdout, stderr } = streams();
    const out = createOutput(true, stdout, stderr);
    out.say('deploying web');
    out.result({ outcome: 'released' }, 'web: released');
    expect(JSON.parse(written.stdout)).toEqual({ outcome: 'released' });
    written.stdout = '';
    out.error('refused', { type: 'PortTaken' });
    expect(JSON.parse(written.stdout)).toEqual({ error: 'refused', details: { type: 'PortTaken' } });
    written.stdout = '';
    out.error('refused');
    expect(JSON.parse(written.stdout)).toEqual({ error: 'refused' });
    expect(written.stderr).toBe('');
  });
});
