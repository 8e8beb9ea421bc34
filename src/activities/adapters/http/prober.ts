/**
 * HealthProber over HTTP: one GET per probe, bounded by the probe timeout and
 * by the activity's cancellation. Only loopback addresses are probed (replicas
 * publish their ports there), so a probe never leaves the host.
 */
import type { HealthProber, ProbeResult } from '../../ports';

export class HttpProber implements HealthProber {
  async probe(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
    const started = Date.now();
    const at = new Date(started).toISOString();
    try {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), headers: { connection: 'close', 'user-agent': 'sluice-health-probe' } });
      await response.arrayBuffer();
      const ok = response.status === expectStatus;
      return { ok, status: response.status, ...(ok ? {} : { error: `status ${response.status}, expected ${expectStatus}` }), latencyMs: Date.now() - started, at };
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const message = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message);
      return { ok: false, error: message, latencyMs: Date.now() - started, at };
    }
  }
}
