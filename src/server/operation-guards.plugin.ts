import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Context } from '../../resolvers/context';
import { ErrorCode } from '../errors/error-codes';
import { undeclaredVariableError, variablesError } from './security/operation-variables';
import { nameLiteralInputs } from './security/literal-input-path';
import { checkedCost } from './security/query-cost';
import { chargeOperation } from '../rate-limit/cost-budget';
import { asHttpRefusal } from './create-context';

/** Subscriptions need a stream; HTTP answers once. */
export const subscriptionOverHttpError = () =>
  new GraphQLError(
    'Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP.',
    { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
  );

/**
 * Checks that need the resolved operation and its variables, before anything executes, as
 * the WebSocket transport does them (operation-validation.ts): a subscription sent over HTTP,
 * undeclared variables, variables that do not coerce and an operation over the cost budget (computed from the
 * coerced variables, so `first: $n` counts) are refused with 400 and BAD_USER_INPUT; validation
 * errors about a literal input name it (`extensions.field`). Last, the operation's cost is
 * charged to its caller's budget over time: over what is left, 429 RATE_LIMITED and nothing runs.
 */
export function operationGuardsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ document }) {
          return async (errors) => {
            if (errors?.length) nameLiteralInputs(document, errors);
          };
        },
        async didResolveOperation({ operation, document, request, schema, contextValue }) {
          if (!operation) return; // Apollo answers an unidentifiable operation itself (400).
          if (operation.operation === 'subscription') throw subscriptionOverHttpError();
          const undeclared = undeclaredVariableError(operation, request.variables);
          if (undeclared) throw undeclared;
          const invalid = variablesError(schema, operation, request.variables);
          if (invalid) throw invalid;
          const checked = checkedCost(schema, document, operation, request.variables);
          if (checked.error) throw checked.error;
          const { charge, refusal } = await chargeOperation(
            contextValue.services.rateLimits,
            contextValue.viewer,
            contextValue.ip,
            checked.cost,
          );
          contextValue.costCharge = charge;
          if (refusal) throw asHttpRefusal(refusal);
        },
      };
    },
  };
}
