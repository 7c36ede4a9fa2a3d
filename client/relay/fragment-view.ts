import type {
  Disposable,
  Environment,
  ReaderFragment,
  SingularReaderSelector,
} from 'relay-runtime';
import { getSelector } from 'relay-runtime';

/** A fragment reference as relay-compiler types it: what a query's data holds where it spreads one. */
export interface FragmentKey {
  readonly ' $fragmentSpreads': unknown;
}

/** What useFragment does, without React: a fragment's data in the store, kept current. */
export interface FragmentView<TData> extends Disposable {
  /** The fragment's data as the store holds it now. */
  readonly data: TData;
  /** Resolves with the data once `holds` is true of it: after a store update, or at once. */
  until(holds: (data: TData) => boolean): Promise<TData>;
}

export function singularSelector(fragment: ReaderFragment, ref: unknown): SingularReaderSelector {
  const selector = getSelector(fragment, ref);
  if (selector.kind !== 'SingularReaderSelector')
    throw new Error(`${fragment.name}: expected one fragment reference, not a list`);
  return selector;
}

export function viewFragment<TData>(
  environment: Environment,
  fragment: ReaderFragment,
  ref: FragmentKey,
): FragmentView<TData> {
  let snapshot = environment.lookup(singularSelector(fragment, ref));
  const waiting = new Set<() => void>();
  const subscription = environment.subscribe(snapshot, (next) => {
    snapshot = next;
    for (const check of [...waiting]) check();
  });
  const current = () => snapshot.data as TData;
  return {
    get data() {
      return current();
    },
    until: (holds) =>
      new Promise((resolve) => {
        const check = () => {
          if (!holds(current())) return;
          waiting.delete(check);
          resolve(current());
        };
        waiting.add(check);
        check();
      }),
    dispose: () => {
      waiting.clear();
      subscription.dispose();
    },
  };
}
