/**
 * @generated SignedSource<<2e4125b51edb1ce8eabc8836072616cc>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type CreateItemInput = {
  content?: Record<string, unknown> | null | undefined;
  title: string;
};
export type itemCreateMutation$variables = {
  input: CreateItemInput;
  teamId: string;
};
export type itemCreateMutation$data = {
  readonly createItem: {
    readonly id: string;
    readonly " $fragmentSpreads": FragmentRefs<"item_item">;
  };
};
export type itemCreateMutation = {
  response: itemCreateMutation$data;
  variables: itemCreateMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "input"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "teamId"
},
v2 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  },
  {
    "kind": "Variable",
    "name": "teamId",
    "variableName": "teamId"
  }
],
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "itemCreateMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "Item",
        "kind": "LinkedField",
        "name": "createItem",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "args": null,
            "kind": "FragmentSpread",
            "name": "item_item"
          }
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v1/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "itemCreateMutation",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "Item",
        "kind": "LinkedField",
        "name": "createItem",
        "plural": false,
        "selections": [
          (v3/*:: as any*/),
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "title",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "content",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "version",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "concreteType": "User",
            "kind": "LinkedField",
            "name": "updatedBy",
            "plural": false,
            "selections": [
              (v3/*:: as any*/),
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "displayName",
                "storageKey": null
              }
            ],
            "storageKey": null
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "932aa6b6a953effaf70e2a537712423c",
    "id": null,
    "metadata": {},
    "name": "itemCreateMutation",
    "operationKind": "mutation",
    "text": "mutation itemCreateMutation(\n  $teamId: ID!\n  $input: CreateItemInput!\n) {\n  createItem(teamId: $teamId, input: $input) {\n    id\n    ...item_item\n  }\n}\n\nfragment item_item on Item {\n  id\n  title\n  content\n  version\n  updatedBy {\n    id\n    displayName\n  }\n}\n"
  }
};
})();

(node as any).hash = "74c4438dd469928ba41f63f113c619bc";

export default node;
