import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface OtlpTracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
  version: string;
  instanceId: string;
}

/**
 * The SDK as the server runs it when an OTLP endpoint is configured: spans batched and sent as
 * OTLP/HTTP protobuf. `@opentelemetry/sdk-trace` (not sdk-trace-base) so that nothing is read
 * from the environment here; the exporter still honours OTEL_EXPORTER_OTLP_HEADERS and _TIMEOUT.
 * Not registered globally: the app passes it where it is used, and shuts it down (flushing) on close.
 */
export function otlpTracerProvider(options: OtlpTracingOptions): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.version,
      'service.instance.id': options.instanceId,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }) })],
  });
}
