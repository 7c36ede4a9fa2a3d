import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/registry';

export const audienceExecutions = new Counter({
  name: 'teamgraph_live_audience_executions_total',
  help: 'Live events executed once for a whole audience (one per audience and event)',
  registers: [metricsRegistry],
});

export const audienceDeliveries = new Counter({
  name: 'teamgraph_live_audience_deliveries_total',
  help: 'Frames written to subscribers from an audience execution (no execution of their own)',
  registers: [metricsRegistry],
});

/** Team channels this instance listens to: one per team with a local subscriber. */
export const liveTeamChannels = new Gauge({
  name: 'teamgraph_live_team_channels',
  help: 'Team channels this instance is subscribed to (teams with a local subscriber)',
  registers: [metricsRegistry],
});
