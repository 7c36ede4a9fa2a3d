/**
 * The attribute names of our own spans (OpenTelemetry's where one exists). Identifiers and
 * counts only: no variables, no document text, no SQL values, no error messages.
 */
export const SpanAttribute = {
  operationName: 'graphql.operation.name',
  operationType: 'graphql.operation.type',
  /** The contract codes of the errors an operation answered with. */
  errorCodes: 'graphql.error.codes',
  /** The event bus's id of the instance that did the work (publish or delivery). */
  instanceId: 'teamgraph.instance.id',
  busTransport: 'teamgraph.bus.transport',
  events: 'teamgraph.events.count',
  teamId: 'teamgraph.team.id',
  firstSeq: 'teamgraph.activity.seq',
  subscribers: 'teamgraph.live.subscribers',
  audiences: 'teamgraph.live.audiences',
  /** How a live event was delivered: by its audience, or on one feed's own path. */
  livePath: 'teamgraph.live.path',
  backupTiers: 'teamgraph.backup.tiers',
  backupTables: 'teamgraph.backup.tables',
  backupBytes: 'teamgraph.backup.bytes',
} as const;
