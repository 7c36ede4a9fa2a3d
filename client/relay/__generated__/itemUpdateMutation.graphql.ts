/**
 * @generated SignedSource<<1d6b9501ae9508d7af8421f929032364>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type UpdateItemInput = {
  content?: Record<string, unknown> | null | undefined;
  title?: string | null | undefined;
};
export type itemUpdateMutation$variables = {
  expectedVersion?: number | null | undefined;
  id: string;
  input: UpdateItemInput;
};
export type itemUpdateMutation$data = {
  readonly updateItem: {
    readonly id: string;
    readonly " $fragmentSpreads": FragmentRefs<"item_item">;
  };
};
export type itemUpdateMutation = {
  response: itemUpdateMutation$data;
  variables: itemUpdateMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "expectedVersion"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "id"
},
v2 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "input"
},
v3 = [
  {
    "kind": "Variable",
    "name": "expectedVersion",
    "variableName": "expectedVersion"
  },
  {
    "kind": "Variable",
    "name": "id",
    "variableName": "id"
  },
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v4 = {
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
      (v1/*:: as any*/),
      (v2/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "itemUpdateMutation",
    "selections": [
      {
        "alias": null,
        "args": (v3/*:: as any*/),
        "concreteType": "Item",
        "kind": "LinkedField",
        "name": "updateItem",
        "plural": false,
        "selections": [
          (v4/*:: as any*/),
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
      (v2/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "itemUpdateMutation",
    "selections": [
      {
        "alias": null,
        "args": (v3/*:: as any*/),
        "concreteType": "Item",
        "kind": "LinkedField",
        "name": "updateItem",
        "plural": false,
        "selections": [
          (v4/*:: as any*/),
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
              (v4/*:: as any*/),
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
    "cacheID": "2be61fb8554c4690e93b4caa4b21ccc9",
    "id": null,
    "metadata": {},
    "name": "itemUpdateMutation",
    "operationKind": "mutation",
    "text": "mutation itemUpdateMutation(\n  $id: ID!\n  $input: UpdateItemInput!\n  $expectedVersion: Int\n) {\n  updateItem(id: $id, input: $input, expectedVersion: $expectedVersion) {\n    id\n    ...item_item\n  }\n}\n\nfragment item_item on Item {\n  id\n  title\n  content\n  version\n  updatedBy {\n    id\n    displayName\n  }\n}\n"
  }
};
})();

(node as any).hash = "fcc5b2c78d017b8bfd37b0205391315a";

export default node;
