/**
 * @generated SignedSource<<4653035995f6a9a1e1ac6528ee7f7558>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type ActivityAction = "INVITATION_DECLINED" | "INVITATION_RESENT" | "INVITATION_REVOKED" | "ITEM_CREATED" | "ITEM_DELETED" | "ITEM_UPDATED" | "MEMBER_INVITED" | "MEMBER_JOINED" | "MEMBER_LEFT" | "MEMBER_REMOVED" | "MEMBER_ROLE_CHANGED" | "OWNERSHIP_TRANSFERRED" | "TEAM_CREATED" | "TEAM_DELETED" | "TEAM_RENAMED" | "TEAM_RESTORED" | "TWO_FACTOR_REQUIREMENT_CHANGED" | "%future added value";
export type teamActivitySubscription$variables = {
  afterSeq?: number | null | undefined;
  connections: ReadonlyArray<string>;
  teamId: string;
};
export type teamActivitySubscription$data = {
  readonly teamActivity: {
    readonly action: ActivityAction;
    readonly actor: {
      readonly displayName: string;
      readonly id: string;
    } | null | undefined;
    readonly id: string;
    readonly seq: number;
    readonly subjectId: string;
    readonly summary: string;
  };
};
export type teamActivitySubscription = {
  response: teamActivitySubscription$data;
  variables: teamActivitySubscription$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "afterSeq"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "connections"
},
v2 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "teamId"
},
v3 = [
  {
    "kind": "Variable",
    "name": "afterSeq",
    "variableName": "afterSeq"
  },
  {
    "kind": "Variable",
    "name": "teamId",
    "variableName": "teamId"
  }
],
v4 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v5 = {
  "alias": null,
  "args": (v3/*:: as any*/),
  "concreteType": "Activity",
  "kind": "LinkedField",
  "name": "teamActivity",
  "plural": false,
  "selections": [
    (v4/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "seq",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "action",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "summary",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "subjectId",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "User",
      "kind": "LinkedField",
      "name": "actor",
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
    "name": "teamActivitySubscription",
    "selections": [
      (v5/*:: as any*/)
    ],
    "type": "Subscription",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v2/*:: as any*/),
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "teamActivitySubscription",
    "selections": [
      (v5/*:: as any*/),
      {
        "alias": null,
        "args": (v3/*:: as any*/),
        "filters": null,
        "handle": "prependNode",
        "key": "",
        "kind": "LinkedHandle",
        "name": "teamActivity",
        "handleArgs": [
          {
            "kind": "Variable",
            "name": "connections",
            "variableName": "connections"
          },
          {
            "kind": "Literal",
            "name": "edgeTypeName",
            "value": "ActivityEdge"
          }
        ]
      }
    ]
  },
  "params": {
    "cacheID": "1705f4cc19144f59a2dd44487637b255",
    "id": null,
    "metadata": {},
    "name": "teamActivitySubscription",
    "operationKind": "subscription",
    "text": "subscription teamActivitySubscription(\n  $teamId: ID!\n  $afterSeq: Int\n) {\n  teamActivity(teamId: $teamId, afterSeq: $afterSeq) {\n    id\n    seq\n    action\n    summary\n    subjectId\n    actor {\n      id\n      displayName\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "0d7433d2aec3f64b1fe99187d113a832";

export default node;
