import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { DomainEvent } from '../src/events/domain-events';
import { openEnvelope, publishInEnvelopes, publishedIn } from '../src/events/in-memory-event-bus';
import { setTracingOn } from '../src/tracing/tracing-on';
import {
  inUnsampledTrace,
  leaveUnsampledSpan,
  unsampledTrace,
} from '../src/tracing/unsampled-trace';
import { withSpan } from '../src/tracing/with-span';

/**
 * What an unsampled trace costs (docs/operations.md, "Traces"): below a root the sampler
 * dropped, the span helpers ask the sampler nothing, build no attributes and leave no span in
 * the context (so the `pg` instrumentation skips the statements), while a sampled trace is
 * recorded as before. An SDK in this process, with a sampler that counts its decisions.
 */
class CountingSampler implements Sampler {
  decisions = 0;
  sampleRoots = true;
  private readonly parentBased = new ParentBasedSampler({
    root: { shouldSample: (...args) => this.root().shouldSample(...args) },
  });

  private root(): Sampler {
    return this.sampleRoots ? new AlwaysOnSampler() : new AlwaysOffSampler();
  }

  shouldSample(
    parent: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    this.decisions += 1;
    return this.parentBased.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return 'CountingSampler';
  }
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const remoteParent = (flags: '00' | '01') =>
  propagation.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-${flags}` });

describe('an unsampled trace costs no spans below its root', () => {
  const sampler = new CountingSampler();
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const attributes = jest.fn(() => ({ 'test.built': true }));

  beforeAll(() => {
    provider.register();
    setTracingOn(true);
  });

  afterAll(async () => {
    setTracingOn(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(() => {
    exporter.reset();
    sampler.decisions = 0;
    sampler.sampleRoots = true;
    attributes.mockClear();
  });

  it('a sampled root: its children are recorded under it, with their attributes', () => {
    withSpan('test.root', { attributes }, () =>
      withSpan('test.child', { attributes }, () => {
        expect(trace.getActiveSpan()?.isRecording()).toBe(true);
        expect(inUnsampledTrace()).toBe(false);
      }),
    );
    const [child, root] = exporter.getFinishedSpans();
    expect(child.name).toBe('test.child');
    expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(child.attributes).toEqual({ 'test.built': true });
    expect(attributes).toHaveBeenCalledTimes(2);
  });

  it('a root the sampler drops: one decision, no attributes, no span in the context below it', async () => {
    sampler.sampleRoots = false;
    let traceId: string | undefined;
    await withSpan('test.root', { attributes }, async (root) => {
      expect(root.isRecording()).toBe(false);
      traceId = unsampledTrace()?.traceId;
      await withSpan('test.child', { attributes }, async () => {
        await Promise.resolve();
        // What the pg instrumentation looks for (requireParentSpan): nothing.
        expect(trace.getActiveSpan()).toBeUndefined();
        expect(inUnsampledTrace()).toBe(true);
      });
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(sampler.decisions).toBe(1);
    expect(attributes).not.toHaveBeenCalled();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("under a request span the sampler dropped, leaveUnsampledSpan takes the span out of the request's work", () => {
    sampler.sampleRoots = false;
    const request = trace.getTracer('test').startSpan('POST');
    context.with(trace.setSpan(context.active(), request), () =>
      leaveUnsampledSpan(() => {
        expect(trace.getActiveSpan()).toBeUndefined();
        expect(unsampledTrace()?.traceId).toBe(request.spanContext().traceId);
        withSpan('graphql.execute', { attributes }, () => undefined);
      }),
    );
    request.end();
    expect(sampler.decisions).toBe(1);
    expect(attributes).not.toHaveBeenCalled();
  });

  it('under a recorded request span, leaveUnsampledSpan changes nothing', () => {
    const request = trace.getTracer('test').startSpan('POST');
    context.with(trace.setSpan(context.active(), request), () =>
      leaveUnsampledSpan(() => expect(trace.getActiveSpan()).toBe(request)),
    );
    request.end();
  });

  it("an unsampled publish's envelope carries its trace flagged unsampled, and its delivery makes no span", async () => {
    sampler.sampleRoots = false;
    const event = { type: 'activity' } as unknown as DomainEvent;
    let sent: ReturnType<typeof openEnvelope> | undefined;
    await withSpan('test.request', {}, () =>
      publishInEnvelopes([event], { instanceId: 'a', transport: 'memory' }, async ([envelope]) => {
        expect(envelope.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
        expect(envelope.trace?.traceparent).toContain(unsampledTrace()!.traceId);
        sent = openEnvelope(envelope);
      }),
    );
    const decisions = sampler.decisions;
    // Even a sampler that would record every root leaves it unsampled: the parent decides.
    sampler.sampleRoots = true;
    withSpan('live.deliver', { parent: publishedIn(sent!), attributes }, () =>
      expect(trace.getActiveSpan()).toBeUndefined(),
    );
    expect(sampler.decisions).toBe(decisions);
    expect(attributes).not.toHaveBeenCalled();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('a delivery under a remote parent that was sampled is recorded as its child', () => {
    withSpan('live.deliver', { parent: remoteParent('01'), attributes }, () => undefined);
    const [deliver] = exporter.getFinishedSpans();
    expect(deliver.spanContext().traceId).toBe(TRACE_ID);
    expect(deliver.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(attributes).toHaveBeenCalledTimes(1);
  });

  it('a delivery under a remote parent flagged unsampled is a direct call', () => {
    const links = jest.fn((): Link[] => []);
    withSpan('live.deliver', { parent: remoteParent('00'), attributes, links }, () =>
      expect(unsampledTrace()?.traceId).toBe(TRACE_ID),
    );
    expect(sampler.decisions).toBe(0);
    expect(attributes).not.toHaveBeenCalled();
    expect(links).not.toHaveBeenCalled();
  });

  it('tracing off: a direct call, nothing built, nothing in the context', async () => {
    setTracingOn(false);
    try {
      const result = await withSpan('test.root', { attributes }, async (span) => {
        expect(span.isRecording()).toBe(false);
        expect(trace.getActiveSpan()).toBeUndefined();
        return 'done';
      });
      expect(result).toBe('done');
      // The envelopes carry nothing.
      await publishInEnvelopes(
        [{ type: 'activity' } as unknown as DomainEvent],
        { instanceId: 'a', transport: 'memory' },
        async ([envelope]) => expect(envelope).not.toHaveProperty('trace'),
      );
    } finally {
      setTracingOn(true);
    }
    expect(sampler.decisions).toBe(0);
    expect(attributes).not.toHaveBeenCalled();
  });
});
