/** Where finished spans go: an OTLP/HTTP collector (JSON), or standard output for a look. */
export type TraceExporterName = 'otlp' | 'console';

export type TracingSettings =
  { enabled: false; reason: string } | { enabled: true; exporter: TraceExporterName };

/** The samplers the SDK understands by name (OTEL_TRACES_SAMPLER). */
const SAMPLERS = new Set([
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
]);

/** The only OTLP encoding the installed exporter speaks. */
const OTLP_PROTOCOL = 'http/json';

export class TracingSettingsError extends Error {
  override readonly name = 'TracingSettingsError';
}

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
};

/**
 * Reads the standard OTEL_* variables that decide whether traces are made at all. Off unless
 * OTEL_TRACES_EXPORTER names an exporter: the specification's default (`otlp`) would make
 * every deployment post to localhost:4318 unasked. The SDK reads the rest itself (endpoints,
 * sampler and its argument, service name, resource attributes, batch delays); the ones it
 * would only complain about in a diagnostic log are refused here instead, naming the variable.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true')
    return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const exporters = (value(env, 'OTEL_TRACES_EXPORTER') ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const unknown = exporters.filter((name) => !['otlp', 'console', 'none'].includes(name));
  if (unknown.length || exporters.length !== 1)
    throw new TracingSettingsError(
      `OTEL_TRACES_EXPORTER must be one of otlp, console or none (got "${env.OTEL_TRACES_EXPORTER}")`,
    );
  const [exporter] = exporters;
  if (exporter === 'none') return { enabled: false, reason: 'OTEL_TRACES_EXPORTER is not set' };

  const sampler = value(env, 'OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !SAMPLERS.has(sampler))
    throw new TracingSettingsError(
      `OTEL_TRACES_SAMPLER must be one of ${[...SAMPLERS].join(', ')} (got "${sampler}")`,
    );
  const ratio = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (ratio !== undefined && sampler?.endsWith('traceidratio')) {
    const parsed = Number(ratio);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1)
      throw new TracingSettingsError(
        `OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1 (got "${ratio}")`,
      );
  }
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = value(env, name);
    if (exporter === 'otlp' && protocol !== undefined && protocol !== OTLP_PROTOCOL)
      throw new TracingSettingsError(`${name} must be ${OTLP_PROTOCOL} (got "${protocol}")`);
  }
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const url = value(env, name);
    if (url !== undefined && !URL.canParse(url))
      throw new TracingSettingsError(`${name} must be a URL (got "${url}")`);
  }
  return { enabled: true, exporter: exporter as TraceExporterName };
}
