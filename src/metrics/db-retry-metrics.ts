import { Counter } from 'prom-client';
import { transientFailuresSeen } from '../db/transient-failure';
import { metricsRegistry } from './registry';

type Kind = keyof ReturnType<typeof transientFailuresSeen>;

/** A counter that reads the data layer's tally when scraped. */
const tallyCounter = (name: string, help: string, kind: Kind) =>
  new Counter({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      this.inc(transientFailuresSeen()[kind]);
    },
  });

tallyCounter(
  'teamgraph_db_deadlocks_total',
  'Deadlocks PostgreSQL broke in this process, each transaction retried',
  'deadlocks',
);
tallyCounter(
  'teamgraph_db_serialization_failures_total',
  'Serialization failures in this process, each transaction retried',
  'serializationFailures',
);
