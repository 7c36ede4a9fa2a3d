import type { ApolloServerPlugin } from '@apollo/server';
import { trace, type Span } from '@opentelemetry/api';
import { bindExecutionSpan } from '../tracing/operation-span';
import { SpanAttribute } from '../tracing/span-attributes';
import { markFailed, tracer } from '../tracing/with-span';
import { isMaskedCode } from './format-error';
import { publicCode } from './logging-plugin';

/** Ends `span` when Apollo's matching hook reports its end; a thrown error marks it failed. */
const endWith =
  (span: Span) =>
  async (error?: Error | readonly Error[] | null): Promise<void> => {
    const failed = Array.isArray(error) ? error.length > 0 : Boolean(error);
    if (failed) markFailed(span, Array.isArray(error) ? error[0] : error);
    span.end();
  };

/**
 * `graphql.parse`, `graphql.validate` and `graphql.execute` spans for operations over HTTP,
 * children of the request's span; the execution carries the operation's name and type, and
 * the request's span the codes of the errors it answered with. Never the document text (its
 * literals can hold a password) nor the variables. A request that is not recorded (tracing
 * off, or the sampler dropped it) gets no hooks at all.
 */
export function tracingPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      if (!trace.getActiveSpan()?.isRecording()) return;
      return {
        async parsingDidStart() {
          return endWith(tracer().startSpan('graphql.parse'));
        },
        async validationDidStart() {
          return endWith(tracer().startSpan('graphql.validate'));
        },
        async executionDidStart({ operation, operationName, contextValue }) {
          // Typed as always present, but absent when the document names no operation to run
          // (several and no operationName): graphql-js then refuses it at execution.
          const type = (operation as typeof operation | undefined)?.operation;
          const attributes = {
            ...(type ? { [SpanAttribute.operationType]: type } : {}),
            ...(operationName ? { [SpanAttribute.operationName]: operationName } : {}),
          };
          trace.getActiveSpan()?.setAttributes(attributes);
          const span = tracer().startSpan('graphql.execute', { attributes });
          bindExecutionSpan(contextValue, span);
          return { executionDidEnd: endWith(span) };
        },
        async didEncounterErrors({ errors }) {
          const codes = [...new Set(errors.map((error) => publicCode(error)))];
          const request = trace.getActiveSpan();
          request?.setAttribute(SpanAttribute.errorCodes, codes);
          const unexpected = codes.find((code) => isMaskedCode(code));
          if (request && unexpected) markFailed(request, { code: unexpected });
        },
      };
    },
  };
}
