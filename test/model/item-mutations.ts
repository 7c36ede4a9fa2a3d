import { accessRole, canManage, recordRow, teamById, type Item, type Model } from './promises';
import {
  fail,
  mutation,
  nth,
  pickActor,
  signedIn,
  succeed,
  type Actor,
  type Outcome,
  type Request,
} from './mutation-spec';
import { teamScoped } from './team-mutations';

export const createItem = teamScoped(
  `mutation ($teamId: ID!, $input: CreateItemInput!) { createItem(teamId: $teamId, input: $input) { id } }`,
  (teamId, _target, picks) => ({
    teamId,
    input: { title: `Item ${picks.choice}`, content: { n: picks.choice } },
  }),
  (model, account, team, intent) => {
    if (!team || !accessRole(model, team.id, account.id)) return fail('FORBIDDEN');
    return succeed((next, served) => {
      next.items.push({
        id: (served.value as { id: string }).id,
        teamId: team.id,
        createdBy: account.id,
        version: 1,
        deleted: false,
      });
      recordRow(next, teamById(next, intent.teamId)!, 'ITEM_CREATED');
    });
  },
);

interface ItemIntent {
  request: Request;
  actor: Actor;
  itemId: string;
  expectedVersion: number | null;
}

/** An item of the run, with no expected version, the current one, or a stale one. */
function itemPlan(query: string, extra: (choice: number) => Record<string, unknown>) {
  return (model: Model, picks: Parameters<typeof pickActor>[1]): ItemIntent | null => {
    const actor = pickActor(model, picks);
    const item = nth(model.items, picks.item);
    if (!actor || !item) return null;
    const expectedVersion =
      picks.choice % 3 === 0 ? null : picks.choice % 3 === 1 ? item.version : item.version - 1;
    return {
      actor,
      itemId: item.id,
      expectedVersion,
      request: {
        query,
        variables: { id: item.id, expectedVersion, ...extra(picks.choice) },
        token: actor.token,
      },
    };
  };
}

function onItem(
  model: Model,
  intent: ItemIntent,
  then: (item: Item, accountId: string) => Outcome[],
): Outcome[] {
  const account = signedIn(model, intent.actor);
  if (!account) return fail('UNAUTHENTICATED');
  const item = model.items.find((i) => i.id === intent.itemId)!;
  if (item.deleted || !teamById(model, item.teamId) || !accessRole(model, item.teamId, account.id))
    return fail('FORBIDDEN');
  return then(item, account.id);
}

const stale = (item: Item, intent: ItemIntent) =>
  intent.expectedVersion !== null && intent.expectedVersion !== item.version;

export const updateItem = mutation<ItemIntent>({
  plan: itemPlan(
    `mutation ($id: ID!, $expectedVersion: Int, $input: UpdateItemInput!) {
      updateItem(id: $id, expectedVersion: $expectedVersion, input: $input) { version }
    }`,
    (choice) => ({ input: { title: `Edited ${choice}` } }),
  ),
  expect: (model, intent) =>
    onItem(model, intent, (item) => {
      if (stale(item, intent)) return fail('CONFLICT');
      return succeed((next) => {
        const updated = next.items.find((i) => i.id === intent.itemId)!;
        updated.version += 1;
        recordRow(next, teamById(next, updated.teamId)!, 'ITEM_UPDATED');
      });
    }),
});

export const deleteItem = mutation<ItemIntent>({
  plan: itemPlan(
    `mutation ($id: ID!, $expectedVersion: Int) { deleteItem(id: $id, expectedVersion: $expectedVersion) }`,
    () => ({}),
  ),
  expect: (model, intent) =>
    onItem(model, intent, (item, accountId) => {
      const role = accessRole(model, item.teamId, accountId);
      if (!canManage(role) && item.createdBy !== accountId) return fail('FORBIDDEN');
      if (stale(item, intent)) return fail('CONFLICT');
      return succeed((next) => {
        const deleted = next.items.find((i) => i.id === intent.itemId)!;
        deleted.deleted = true;
        recordRow(next, teamById(next, deleted.teamId)!, 'ITEM_DELETED');
      });
    }),
});
