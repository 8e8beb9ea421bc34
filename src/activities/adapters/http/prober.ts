/**
 * HealthProber over HTTP: one GET per probe, bounded by the probe timeout and
 * by the activity's cancellation. Only loopback addresses are probed (replicas
 * publish their ports there) and redirects are not followed, so a probe never
 * leaves the host.
 */
import type { HealthProber, ProbeResult } from '../../ports';

/** The most of a probe's body read (and thrown away): the status decides, and a replica must not feed the worker without end. */
export const MAX_PROBE_BODY_BYTES = 64 * 1024;

async function drain(response: Response): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return;
  for (let read = 0; ;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > MAX_PROBE_BODY_BYTES) return reader.cancel();
  }
}

export class HttpProber implements HealthProber {
  async probe(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
    const started = Date.now();
    const at = new Date(started).toISOString();
    try {
      // A redirect is the replica's answer, not a pointer to follow: a 3xx can be the expected status, and a probe never leaves the host.
      const response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        headers: { connection: 'close', 'user-agent': 'sluice-health-probe' },
      });
      await drain(response);
      const ok = response.status === expectStatus;
      return {
        ok,
        status: response.status,
        ...(ok ? {} : { error: `status ${response.status}, expected ${expectStatus}` }),
        latencyMs: Date.now() - started,
        at,
      };
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      return { ok: false, error: message, latencyMs: Date.now() - started, at };
    }
  }
}
